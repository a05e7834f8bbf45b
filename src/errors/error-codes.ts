import { HttpStatus } from '@nestjs/common';

/**
 * Every error the API returns, with its HTTP status and the message people read. Codes are
 * stable: frontends and other services branch on them.
 */
export const ERROR_CATALOG = {
  VALIDATION_FAILED: { status: HttpStatus.BAD_REQUEST, message: 'The request is not valid.' },
  MALFORMED_JSON: {
    status: HttpStatus.BAD_REQUEST,
    message: 'The request body is not valid JSON.',
  },
  BAD_REQUEST: { status: HttpStatus.BAD_REQUEST, message: 'The request cannot be processed.' },
  PAYLOAD_TOO_LARGE: {
    status: HttpStatus.PAYLOAD_TOO_LARGE,
    message: 'The request body is too large.',
  },
  UNAUTHENTICATED: {
    status: HttpStatus.UNAUTHORIZED,
    message: 'A valid bearer token is required.',
  },
  FORBIDDEN: { status: HttpStatus.FORBIDDEN, message: 'You may not do this.' },
  BILLING_ROLE_REQUIRED: {
    status: HttpStatus.FORBIDDEN,
    message: 'Only an organisation billing admin may do this.',
  },
  ADMIN_REQUIRED: {
    status: HttpStatus.FORBIDDEN,
    message: 'This endpoint is for billing administrators.',
  },
  ROUTE_NOT_FOUND: { status: HttpStatus.NOT_FOUND, message: 'No such route.' },
  METHOD_NOT_ALLOWED: {
    status: HttpStatus.METHOD_NOT_ALLOWED,
    message: 'This method is not allowed here.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    message: 'The request body must be application/json.',
  },
  TOO_MANY_REQUESTS: {
    status: HttpStatus.TOO_MANY_REQUESTS,
    message: 'Too many requests; retry later.',
  },
  PRICE_NOT_FOUND: {
    status: HttpStatus.NOT_FOUND,
    message: 'No such active price in the catalog.',
  },
  PRICE_OUT_OF_SYNC: {
    status: HttpStatus.CONFLICT,
    message: 'This price is no longer available in Stripe; the catalog is being refreshed.',
  },
  NO_DEFAULT_PRICE: {
    status: HttpStatus.BAD_REQUEST,
    message: 'No priceId was given and no default price is configured.',
  },
  CHECKOUT_SESSION_NOT_FOUND: {
    status: HttpStatus.NOT_FOUND,
    message: 'No such checkout session.',
  },
  SUBSCRIPTION_ALREADY_ACTIVE: {
    status: HttpStatus.CONFLICT,
    message: 'This account already has an active subscription.',
  },
  ALREADY_PURCHASED: {
    status: HttpStatus.CONFLICT,
    message: 'This account already owns this lifetime product.',
  },
  PROMOTION_CODE_INVALID: {
    status: HttpStatus.BAD_REQUEST,
    message: 'This promotion code is not valid.',
  },
  NO_BILLING_CUSTOMER: {
    status: HttpStatus.CONFLICT,
    message: 'This account has no billing history yet; buy a plan first.',
  },
  NO_ACTIVE_SUBSCRIPTION: {
    status: HttpStatus.NOT_FOUND,
    message: 'This account has no active subscription.',
  },
  SUBSCRIPTION_ALREADY_CANCELED: {
    status: HttpStatus.CONFLICT,
    message: 'This subscription is already canceled or set to cancel.',
  },
  NOTHING_TO_RESUME: {
    status: HttpStatus.CONFLICT,
    message: 'This subscription has no pending cancellation to undo.',
  },
  PAYMENT_METHOD_REQUIRED: {
    status: HttpStatus.CONFLICT,
    message: 'Add a card before resuming this subscription.',
  },
  SUBSCRIPTION_NOT_FOUND: {
    status: HttpStatus.NOT_FOUND,
    message: 'No such subscription.',
  },
  SUBSCRIPTION_NOT_TRIALING: {
    status: HttpStatus.CONFLICT,
    message: 'Only a trialing subscription can have its trial extended.',
  },
  TRIAL_END_NOT_IN_FUTURE: {
    status: HttpStatus.BAD_REQUEST,
    message: 'The new trial end must be in the future.',
  },
  TRIAL_END_NOT_LATER: {
    status: HttpStatus.BAD_REQUEST,
    message: 'The new trial end must be later than the current one.',
  },
  TRIAL_END_TOO_FAR: {
    status: HttpStatus.BAD_REQUEST,
    message: 'A trial may end at most 730 days from now.',
  },
  SAME_PRICE: {
    status: HttpStatus.CONFLICT,
    message: 'The subscription is already on this price.',
  },
  PRICE_NOT_RECURRING: {
    status: HttpStatus.BAD_REQUEST,
    message: 'A subscription can only change to a recurring price.',
  },
  PRICE_NOT_PER_SEAT: {
    status: HttpStatus.CONFLICT,
    message: 'The current plan is not sold per seat.',
  },
  SEATS_OUT_OF_RANGE: {
    status: HttpStatus.BAD_REQUEST,
    message: 'This plan cannot be bought with this number of seats.',
  },
  SEATS_UNCHANGED: {
    status: HttpStatus.CONFLICT,
    message: 'The subscription already has this number of seats.',
  },
  NOT_AN_ADD_ON: {
    status: HttpStatus.BAD_REQUEST,
    message: 'This price is not an add-on (its product needs metadata addon=true).',
  },
  ADD_ON_INTERVAL_MISMATCH: {
    status: HttpStatus.BAD_REQUEST,
    message: "An add-on must bill in the plan's currency and interval.",
  },
  ADD_ON_ALREADY_ACTIVE: {
    status: HttpStatus.CONFLICT,
    message: 'The subscription already has this add-on.',
  },
  ADD_ON_NOT_ACTIVE: {
    status: HttpStatus.NOT_FOUND,
    message: 'The subscription has no such add-on.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    message: 'This Idempotency-Key was used with a different request.',
  },
  IDEMPOTENCY_KEY_IN_PROGRESS: {
    status: HttpStatus.CONFLICT,
    message: 'A request with this Idempotency-Key is still being processed.',
  },
  ACCOUNT_NOT_FOUND: { status: HttpStatus.NOT_FOUND, message: 'No such billing account.' },
  WEBHOOK_EVENT_NOT_FOUND: { status: HttpStatus.NOT_FOUND, message: 'No such webhook event.' },
  WEBHOOK_SIGNATURE_INVALID: {
    status: HttpStatus.BAD_REQUEST,
    message: 'The Stripe-Signature header is missing, invalid or too old.',
  },
  WEBHOOK_PAYLOAD_INVALID: {
    status: HttpStatus.BAD_REQUEST,
    message: 'The webhook body is not a Stripe event.',
  },
  WEBHOOK_PROCESSING_FAILED: {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    message: 'The event could not be applied; Stripe will retry it.',
  },
  WEBHOOK_DEFERRED: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    message: 'The event needs Stripe, which is busy; it will be applied when Stripe retries it.',
  },
  SYNC_IN_PROGRESS: { status: HttpStatus.CONFLICT, message: 'A Stripe sync is already running.' },
  STRIPE_REQUEST_FAILED: { status: HttpStatus.BAD_REQUEST, message: 'Stripe refused the request.' },
  STRIPE_MISCONFIGURED: {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    message: 'The billing service is not configured correctly for Stripe.',
  },
  STRIPE_UNAVAILABLE: {
    status: HttpStatus.BAD_GATEWAY,
    message: 'Stripe is unavailable; retry later.',
  },
  SERVICE_UNAVAILABLE: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    message: 'The service is not ready.',
  },
  DATABASE_UNAVAILABLE: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    message: 'The database is unreachable; retry later.',
  },
  DATABASE_BUSY: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    message: 'The service is too busy to take this request; retry shortly.',
  },
  CHECKOUT_IN_PROGRESS: {
    status: HttpStatus.CONFLICT,
    message: 'Another checkout for this account is being created; retry shortly.',
  },
  BILLING_PROFILE_NOT_FOUND: {
    status: HttpStatus.NOT_FOUND,
    message: 'This account has no billing profile yet; it is created with the first checkout.',
  },
  INVALID_TAX_ID: {
    status: HttpStatus.BAD_REQUEST,
    message: 'Stripe refused this tax id: check its type and format.',
  },
  INVOICE_NOT_FOUND: {
    status: HttpStatus.NOT_FOUND,
    message: 'No such invoice for this account.',
  },
  PAYMENT_METHOD_NOT_FOUND: {
    status: HttpStatus.NOT_FOUND,
    message: 'No such saved card for this account.',
  },
  LAST_PAYMENT_METHOD: {
    status: HttpStatus.CONFLICT,
    message:
      'This is the only card of a subscription that is still billed; add another card before removing it.',
  },
  PAYMENT_NOT_FOUND: {
    status: HttpStatus.NOT_FOUND,
    message: 'No such payment.',
  },
  PAYMENT_NOT_REFUNDABLE: {
    status: HttpStatus.CONFLICT,
    message: 'Only a completed payment that was charged can be refunded.',
  },
  REFUND_EXCEEDS_PAYMENT: {
    status: HttpStatus.CONFLICT,
    message: 'The refund is more than what is left to refund of this payment.',
  },
  PAYMENT_ALREADY_REFUNDED: {
    status: HttpStatus.CONFLICT,
    message: 'This payment has already been refunded in full.',
  },
  INTERNAL_ERROR: {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    message: 'Something went wrong on our side.',
  },
} as const satisfies Record<string, { status: HttpStatus; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export const ERROR_CODES = Object.keys(ERROR_CATALOG) as ErrorCode[];
