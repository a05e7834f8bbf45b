import type Stripe from 'stripe';
import { randomToken } from '../store/ids';
import type { DiscountChoice } from './discounts';

export type CheckoutUiMode = 'hosted_page' | 'embedded_page' | 'elements' | 'form';

export interface CheckoutSessionFields {
  baseUrl: string;
  now: number;
  mode: 'payment' | 'subscription' | 'setup';
  uiMode: CheckoutUiMode;
  /** Null only in setup mode without a currency (the allowed types say what to offer). */
  currency: string | null;
  allowedPaymentMethodTypes: string[] | null;
  customer: Stripe.Customer | null;
  customerEmail: string | null;
  customerCreation: Stripe.Checkout.Session.CustomerCreation | null;
  clientReferenceId: string | null;
  metadata: Record<string, string>;
  discount: DiscountChoice | null;
  allowPromotionCodes: boolean | null;
  expiresAt: number;
  locale: Stripe.Checkout.Session.Locale | null;
  successUrl: string | null;
  cancelUrl: string | null;
  returnUrl: string | null;
  redirectOnCompletion: Stripe.Checkout.Session.RedirectOnCompletion | null;
  paymentMethodCollection: Stripe.Checkout.Session.PaymentMethodCollection | null;
  billingAddressCollection: Stripe.Checkout.Session.BillingAddressCollection | null;
  automaticTax: boolean;
  taxIdCollection: boolean;
  invoiceCreation: {
    enabled: boolean;
    description?: string;
    footer?: string;
    metadata?: Record<string, string>;
  } | null;
}

/** A new, open Checkout Session object (amounts are filled in by the session service). */
export function buildCheckoutSession(fields: CheckoutSessionFields): Stripe.Checkout.Session {
  const { mode, uiMode, customer } = fields;
  const embedded = uiMode !== 'hosted_page';
  const id = `cs_test_${randomToken(58)}`;
  const session: Stripe.Checkout.Session = {
    id,
    object: 'checkout.session',
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: fields.allowPromotionCodes,
    allowed_payment_method_types: fields.allowedPaymentMethodTypes,
    amount_subtotal: mode === 'setup' ? null : 0,
    amount_total: mode === 'setup' ? null : 0,
    automatic_tax: fields.automaticTax
      ? { enabled: true, liability: { type: 'self' }, provider: 'stripe', status: null }
      : { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: fields.billingAddressCollection,
    cancel_url: fields.cancelUrl,
    client_reference_id: fields.clientReferenceId,
    client_secret: embedded ? `${id}_secret_${randomToken(24)}` : null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: fields.now,
    currency: fields.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: {
      after_submit: null,
      shipping_address: null,
      submit: null,
      terms_of_service_acceptance: null,
    },
    customer: customer?.id ?? null,
    customer_account: null,
    customer_creation:
      customer !== null || mode === 'setup'
        ? null
        : (fields.customerCreation ?? (mode === 'payment' ? 'if_required' : 'always')),
    customer_details:
      customer !== null || fields.customerEmail !== null
        ? {
            address: null,
            business_name: null,
            email: customer?.email ?? fields.customerEmail,
            individual_name: null,
            name: customer?.name ?? null,
            phone: null,
            tax_exempt: 'none',
            tax_ids: null,
          }
        : null,
    customer_email: fields.customerEmail,
    discounts:
      fields.discount === null
        ? []
        : [{ coupon: fields.discount.couponId, promotion_code: fields.discount.promotionCodeId }],
    expires_at: fields.expiresAt,
    integration_identifier: null,
    invoice: null,
    invoice_creation:
      mode === 'payment'
        ? {
            enabled: fields.invoiceCreation?.enabled ?? false,
            invoice_data: {
              account_tax_ids: null,
              custom_fields: null,
              description: fields.invoiceCreation?.description ?? null,
              footer: fields.invoiceCreation?.footer ?? null,
              issuer: null,
              metadata: fields.invoiceCreation?.metadata ?? {},
              rendering_options: null,
            },
          }
        : null,
    livemode: false,
    locale: fields.locale,
    managed_payments: null,
    metadata: fields.metadata,
    mode,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection:
      fields.paymentMethodCollection ?? (mode === 'subscription' ? 'always' : null),
    payment_method_configuration_details: null,
    payment_method_options: { card: { request_three_d_secure: 'automatic' } },
    payment_method_types: fields.allowedPaymentMethodTypes ?? ['card'],
    payment_status: mode === 'setup' ? 'no_payment_required' : 'unpaid',
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: null,
    subscription: null,
    success_url: fields.successUrl,
    tax_id_collection: { enabled: fields.taxIdCollection, required: 'never' },
    total_details:
      mode === 'setup' ? null : { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: uiMode,
    url: embedded ? null : `${fields.baseUrl}/checkout/${id}`,
    wallet_options: null,
  };
  if (embedded) {
    session.redirect_on_completion = fields.redirectOnCompletion ?? 'always';
    if (fields.returnUrl !== null) session.return_url = fields.returnUrl;
  }
  return session;
}
