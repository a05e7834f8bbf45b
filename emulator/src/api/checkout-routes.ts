import { pageOfArray } from '../store/collection';
import { invalidRequest } from '../http/stripe-error';
import { PAGINATION_PARAMS, pageRequest, type RouteRegistrar } from './api-call';

const FLOW_TYPES = [
  'payment_method_update',
  'subscription_cancel',
  'subscription_update',
  'subscription_update_confirm',
] as const;

export const registerCheckoutRoutes: RouteRegistrar = (router, domain) => {
  const { checkout, portal, core } = domain;
  const state = core.state;

  router.add('POST', '/v1/checkout/sessions', ({ params }) => {
    params.allowOnly([
      'mode',
      'line_items',
      'success_url',
      'cancel_url',
      'return_url',
      'ui_mode',
      'redirect_on_completion',
      'customer',
      'customer_email',
      'customer_creation',
      'client_reference_id',
      'metadata',
      'subscription_data',
      'payment_intent_data',
      'discounts',
      'allow_promotion_codes',
      'expires_at',
      'locale',
      'billing_address_collection',
      'automatic_tax',
      'customer_update',
      'consent_collection',
      'submit_type',
      'payment_method_collection',
      'tax_id_collection',
      'saved_payment_method_options',
      'phone_number_collection',
      'invoice_creation',
    ]);
    const subscriptionData = params
      .object('subscription_data')
      ?.allowOnly([
        'metadata',
        'trial_period_days',
        'trial_end',
        'description',
        'trial_settings',
        'billing_cycle_anchor',
        'proration_behavior',
        'default_tax_rates',
      ]);
    const paymentIntentData = params
      .object('payment_intent_data')
      ?.allowOnly([
        'metadata',
        'description',
        'receipt_email',
        'setup_future_usage',
        'statement_descriptor',
        'capture_method',
      ]);
    return checkout.create({
      mode: params.enumOf('mode', ['payment', 'subscription', 'setup'] as const),
      lineItems: params.objectArray('line_items').map((item) => {
        item.allowOnly(['price', 'quantity', 'adjustable_quantity', 'tax_rates']);
        return { price: item.string('price'), quantity: item.integer('quantity') };
      }),
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
      paymentIntentMetadata: paymentIntentData?.metadata(),
      discounts: params.objectArray('discounts').map((discount) => {
        discount.allowOnly(['coupon', 'promotion_code']);
        return {
          coupon: discount.string('coupon'),
          promotionCode: discount.string('promotion_code'),
        };
      }),
      allowPromotionCodes: params.boolean('allow_promotion_codes'),
      expiresAt: params.integer('expires_at'),
      locale: params.string('locale'),
    });
  });
  router.add('GET', '/v1/checkout/sessions/:id', ({ pathParams }) => checkout.get(pathParams.id));
  router.add('POST', '/v1/checkout/sessions/:id', ({ pathParams, params }) => {
    params.allowOnly(['metadata', 'collected_information', 'shipping_options']);
    const session = checkout.get(pathParams.id);
    const metadata = params.metadata(session.metadata ?? {});
    if (metadata !== undefined) session.metadata = metadata;
    return session;
  });
  router.add('POST', '/v1/checkout/sessions/:id/expire', ({ pathParams, params }) => {
    params.allowOnly([]);
    return checkout.expire(pathParams.id);
  });
  router.add('GET', '/v1/checkout/sessions/:id/line_items', ({ pathParams, params }) => {
    params.allowOnly([...PAGINATION_PARAMS]);
    checkout.get(pathParams.id);
    return pageOfArray(
      checkout.extras(pathParams.id).lineItems,
      pageRequest(params),
      `/v1/checkout/sessions/${pathParams.id}/line_items`,
    );
  });
  router.add('GET', '/v1/checkout/sessions', ({ params }) => {
    params.allowOnly([
      ...PAGINATION_PARAMS,
      'customer',
      'status',
      'subscription',
      'payment_intent',
      'created',
      'customer_details',
      'payment_link',
    ]);
    const customer = params.string('customer');
    const status = params.string('status');
    const subscription = params.string('subscription');
    const paymentIntent = params.string('payment_intent');
    const created = params.range('created');
    return state.checkoutSessions.page(
      pageRequest(params),
      '/v1/checkout/sessions',
      (session) =>
        (customer === undefined || session.customer === customer) &&
        (status === undefined || session.status === status) &&
        (subscription === undefined || session.subscription === subscription) &&
        (paymentIntent === undefined || session.payment_intent === paymentIntent) &&
        (created === undefined || created(session.created)),
    );
  });

  router.add('POST', '/v1/billing_portal/sessions', ({ params }) => {
    params.allowOnly([
      'customer',
      'return_url',
      'flow_data',
      'locale',
      'configuration',
      'on_behalf_of',
    ]);
    const flowData = params
      .object('flow_data')
      ?.allowOnly(['type', 'after_completion', ...FLOW_TYPES]);
    let flow;
    if (flowData !== undefined) {
      const type = flowData.enumOf('type', FLOW_TYPES);
      if (type === undefined)
        throw invalidRequest(
          'Missing required param: flow_data[type].',
          'parameter_missing',
          'flow_data[type]',
        );
      const details = flowData.object(type);
      const afterCompletion = flowData.object('after_completion');
      flow = {
        type,
        subscription: details?.string('subscription'),
        afterCompletionRedirectUrl: afterCompletion?.object('redirect')?.string('return_url'),
      };
    }
    return portal.create({
      customer: params.string('customer'),
      returnUrl: params.string('return_url'),
      flow,
      locale: params.string('locale'),
    });
  });
};
