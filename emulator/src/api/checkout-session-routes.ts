import type { StripeDomain } from '../billing/stripe-domain';
import { pageOfArray } from '../store/collection';
import { pageRequest, type Endpoint } from './api-call';
import { AUTOMATIC_TAX, CREATED_FILTER } from './params/common';
import { PAGINATION, p } from './params/param-spec';

const UI_MODES = [
  'hosted_page',
  'embedded_page',
  'elements',
  'form',
  'hosted',
  'embedded',
  'custom',
];

/** The payment method types the emulator takes payment with: its test cards. */
export const EMULATED_PAYMENT_METHOD_TYPES = ['card'] as const;

/** Stripe's other Checkout payment method types: real, but not emulated (refused by name). */
const OTHER_PAYMENT_METHOD_TYPES = [
  'acss_debit',
  'affirm',
  'afterpay_clearpay',
  'alipay',
  'alma',
  'amazon_pay',
  'au_becs_debit',
  'bacs_debit',
  'bancontact',
  'billie',
  'bizum',
  'blik',
  'boleto',
  'cashapp',
  'crypto',
  'customer_balance',
  'eps',
  'fpx',
  'giropay',
  'grabpay',
  'ideal',
  'kakao_pay',
  'klarna',
  'konbini',
  'kr_card',
  'link',
  'mb_way',
  'mobilepay',
  'multibanco',
  'naver_pay',
  'nz_bank_account',
  'oxxo',
  'p24',
  'pay_by_bank',
  'payco',
  'paynow',
  'paypal',
  'paypay',
  'payto',
  'pix',
  'promptpay',
  'revolut_pay',
  'samsung_pay',
  'satispay',
  'scalapay',
  'sepa_debit',
  'sequra',
  'sofort',
  'sunbit',
  'swish',
  'twint',
  'upi',
  'us_bank_account',
  'wechat_pay',
  'zip',
];

const CHECKOUT_SESSION_CREATE = {
  allowed_payment_method_types: p.list(
    p.enum(EMULATED_PAYMENT_METHOD_TYPES, OTHER_PAYMENT_METHOD_TYPES),
  ),
  mode: p.enum(['payment', 'subscription', 'setup']).required(),
  line_items: p.list(p.object({ price: p.string().required(), quantity: p.integer() })),
  currency: p.string(),
  setup_intent_data: p.object({ description: p.string(), metadata: p.metadata() }),
  success_url: p.string(),
  cancel_url: p.string(),
  return_url: p.string(),
  ui_mode: p.enum(UI_MODES),
  redirect_on_completion: p.enum(['always', 'if_required', 'never']),
  customer: p.string(),
  customer_email: p.string(),
  customer_creation: p.enum(['always', 'if_required']),
  client_reference_id: p.string(),
  metadata: p.metadata(),
  subscription_data: p.object({
    metadata: p.metadata(),
    trial_period_days: p.integer(),
    trial_end: p.timestamp(),
    trial_settings: p.object({
      end_behavior: p
        .object({
          missing_payment_method: p.enum(['cancel', 'create_invoice', 'pause']).required(),
        })
        .required(),
    }),
  }),
  payment_intent_data: p.object({ metadata: p.metadata() }),
  discounts: p.list(p.object({ coupon: p.string(), promotion_code: p.string() })),
  allow_promotion_codes: p.boolean(),
  expires_at: p.timestamp(),
  locale: p.string(),
  automatic_tax: AUTOMATIC_TAX,
  tax_id_collection: p.object({ enabled: p.boolean().required() }),
  // Shipping is not collected by the emulator's Checkout, so `customer_update[shipping]` is refused.
  customer_update: p.object({
    address: p.enum(['auto', 'never']),
    name: p.enum(['auto', 'never']),
  }),
  payment_method_collection: p.enum(['always', 'if_required']),
  billing_address_collection: p.enum(['auto', 'required']),
  invoice_creation: p.object({
    enabled: p.boolean().required(),
    invoice_data: p.object({
      description: p.string(),
      footer: p.string(),
      metadata: p.metadata(),
    }),
  }),
};

export function checkoutSessionEndpoints(domain: StripeDomain): Endpoint[] {
  const { checkoutSessions, core } = domain;
  return [
    {
      method: 'POST',
      path: '/v1/checkout/sessions',
      params: CHECKOUT_SESSION_CREATE,
      handler: ({ params }) => {
        const subscriptionData = params.object('subscription_data');
        const invoiceCreation = params.object('invoice_creation');
        const invoiceData = invoiceCreation?.object('invoice_data');
        return checkoutSessions.create({
          mode: params.enumOf('mode', ['payment', 'subscription', 'setup'] as const) ?? 'payment',
          allowedPaymentMethodTypes: params.has('allowed_payment_method_types')
            ? params.stringArray('allowed_payment_method_types')
            : undefined,
          currency: params.string('currency'),
          setupIntentData:
            params.object('setup_intent_data') === undefined
              ? undefined
              : {
                  description: params.object('setup_intent_data')?.string('description'),
                  metadata: params.object('setup_intent_data')?.metadata(),
                },
          lineItems: params.objectArray('line_items').map((item) => ({
            price: item.requiredString('price'),
            quantity: item.integer('quantity'),
          })),
          successUrl: params.string('success_url'),
          cancelUrl: params.string('cancel_url'),
          returnUrl: params.string('return_url'),
          uiMode: params.string('ui_mode'),
          redirectOnCompletion: params.enumOf('redirect_on_completion', [
            'always',
            'if_required',
            'never',
          ] as const),
          customer: params.string('customer'),
          customerEmail: params.string('customer_email'),
          customerCreation: params.enumOf('customer_creation', ['always', 'if_required'] as const),
          clientReferenceId: params.string('client_reference_id'),
          metadata: params.metadata(),
          subscriptionMetadata: subscriptionData?.metadata(),
          trialPeriodDays: subscriptionData?.integer('trial_period_days'),
          trialEnd: subscriptionData?.integer('trial_end'),
          paymentIntentMetadata: params.object('payment_intent_data')?.metadata(),
          discounts: params.objectArray('discounts').map((discount) => ({
            coupon: discount.string('coupon'),
            promotionCode: discount.string('promotion_code'),
          })),
          allowPromotionCodes: params.boolean('allow_promotion_codes'),
          expiresAt: params.integer('expires_at'),
          locale: params.string('locale'),
          paymentMethodCollection: params.enumOf('payment_method_collection', [
            'always',
            'if_required',
          ] as const),
          billingAddressCollection: params.enumOf('billing_address_collection', [
            'auto',
            'required',
          ] as const),
          automaticTax: params.object('automatic_tax')?.boolean('enabled'),
          taxIdCollection: params.object('tax_id_collection')?.boolean('enabled'),
          customerUpdate:
            params.object('customer_update') === undefined
              ? undefined
              : {
                  address: params
                    .object('customer_update')
                    ?.enumOf('address', ['auto', 'never'] as const),
                  name: params
                    .object('customer_update')
                    ?.enumOf('name', ['auto', 'never'] as const),
                },
          invoiceCreation:
            invoiceCreation === undefined
              ? undefined
              : {
                  enabled: invoiceCreation.boolean('enabled') ?? false,
                  description: invoiceData?.string('description'),
                  footer: invoiceData?.string('footer'),
                  metadata: invoiceData?.metadata(),
                },
          missingPaymentMethod: subscriptionData
            ?.object('trial_settings')
            ?.object('end_behavior')
            ?.enumOf('missing_payment_method', ['cancel', 'create_invoice', 'pause'] as const),
        });
      },
    },
    {
      method: 'GET',
      path: '/v1/checkout/sessions/:id',
      params: {},
      handler: ({ pathParams }) => checkoutSessions.get(pathParams.id),
    },
    {
      method: 'POST',
      path: '/v1/checkout/sessions/:id',
      params: { metadata: p.metadata() },
      handler: ({ pathParams, params }) =>
        checkoutSessions.update(
          pathParams.id,
          params.metadata(checkoutSessions.get(pathParams.id).metadata ?? {}),
        ),
    },
    {
      method: 'POST',
      path: '/v1/checkout/sessions/:id/expire',
      params: {},
      handler: ({ pathParams }) => checkoutSessions.expire(pathParams.id),
    },
    {
      method: 'GET',
      path: '/v1/checkout/sessions/:id/line_items',
      params: PAGINATION,
      handler: ({ pathParams, params }) => {
        checkoutSessions.get(pathParams.id);
        return pageOfArray(
          checkoutSessions.extras(pathParams.id).lineItems,
          pageRequest(params),
          `/v1/checkout/sessions/${pathParams.id}/line_items`,
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/checkout/sessions',
      params: {
        ...PAGINATION,
        ...CREATED_FILTER,
        customer: p.string(),
        status: p.enum(['open', 'complete', 'expired']),
        subscription: p.string(),
        payment_intent: p.string(),
      },
      handler: ({ params }) => {
        const customer = params.string('customer');
        const status = params.string('status');
        const subscription = params.string('subscription');
        const paymentIntent = params.string('payment_intent');
        const created = params.range('created');
        return core.state.checkoutSessions.page(
          pageRequest(params),
          '/v1/checkout/sessions',
          (session) =>
            (customer === undefined || session.customer === customer) &&
            (status === undefined || session.status === status) &&
            (subscription === undefined || session.subscription === subscription) &&
            (paymentIntent === undefined || session.payment_intent === paymentIntent) &&
            (created === undefined || created(session.created)),
        );
      },
    },
  ];
}
