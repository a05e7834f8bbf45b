import type Stripe from 'stripe';
import type { SubscriptionItemInput } from '../billing/subscriptions';
import type { RequestParams } from '../http/request-params';
import { cardError } from '../billing/customers';
import { type StripeApiError, invalidRequest, parameterMissing } from '../http/stripe-error';
import { pageOfArray } from '../store/collection';
import {
  PAGINATION_PARAMS,
  matchesSearch,
  pageRequest,
  parseSearchQuery,
  searchPage,
  type RouteRegistrar,
} from './api-call';

const PRORATION = ['create_prorations', 'none', 'always_invoice'] as const;
const SUBSCRIPTION_STATUSES = [
  'active',
  'all',
  'canceled',
  'ended',
  'incomplete',
  'incomplete_expired',
  'past_due',
  'paused',
  'trialing',
  'unpaid',
] as const;

function itemInputs(params: RequestParams): SubscriptionItemInput[] {
  return params.objectArray('items').map((item) => {
    item.allowOnly([
      'id',
      'price',
      'quantity',
      'deleted',
      'metadata',
      'discounts',
      'tax_rates',
      'price_data',
      'clear_usage',
    ]);
    return {
      id: item.string('id'),
      price: item.string('price'),
      quantity: item.integer('quantity'),
      deleted: item.boolean('deleted'),
      metadata: item.metadata(),
    };
  });
}

function trialEnd(params: RequestParams): number | 'now' | undefined {
  const value = params.string('trial_end');
  if (value === undefined) return undefined;
  return value === 'now' ? 'now' : params.integer('trial_end');
}

/** `discounts[0][coupon]`, `discounts[0][promotion_code]` or the older `coupon` / `promotion_code`. */
function discountParams(
  params: RequestParams,
  resolvePromotion: (id: string) => string | null,
): { couponId?: string | null; promotionCodeId?: string | null } {
  if (params.isUnset('discounts')) return { couponId: null };
  const discount = params.objectArray('discounts')[0];
  const promotion = discount?.string('promotion_code') ?? params.string('promotion_code');
  if (promotion !== undefined)
    return { couponId: resolvePromotion(promotion), promotionCodeId: promotion };
  const coupon = discount?.string('coupon') ?? params.string('coupon');
  return coupon === undefined ? {} : { couponId: coupon };
}

export const registerBillingRoutes: RouteRegistrar = (router, domain) => {
  const { subscriptions, invoices, payments, catalog, core } = domain;
  const state = core.state;
  const resolvePromotion = (id: string): string | null =>
    catalog.couponIdOf(catalog.getPromotionCode(id, 'discounts[0][promotion_code]'));

  // --- subscriptions
  router.add('POST', '/v1/subscriptions', ({ params }) => {
    params.allowOnly([
      'customer',
      'items',
      'default_payment_method',
      'trial_period_days',
      'trial_end',
      'metadata',
      'cancel_at_period_end',
      'description',
      'payment_behavior',
      'discounts',
      'coupon',
      'promotion_code',
      'collection_method',
      'proration_behavior',
      'off_session',
      'payment_settings',
      'trial_from_plan',
      'trial_settings',
      'expand',
      'automatic_tax',
      'billing_cycle_anchor',
      'default_tax_rates',
    ]);
    const end = trialEnd(params);
    return subscriptions.create({
      customer: params.requiredString('customer'),
      items: itemInputs(params),
      defaultPaymentMethod: params.nullableString('default_payment_method'),
      trialPeriodDays: params.integer('trial_period_days'),
      trialEnd: end,
      metadata: params.metadata(),
      cancelAtPeriodEnd: params.boolean('cancel_at_period_end'),
      description: params.nullableString('description'),
      missingPaymentMethod: params
        .object('trial_settings')
        ?.allowOnly(['end_behavior'])
        .object('end_behavior')
        ?.allowOnly(['missing_payment_method'])
        .enumOf('missing_payment_method', ['cancel', 'create_invoice', 'pause'] as const),
      paymentBehavior: params.enumOf('payment_behavior', [
        'allow_incomplete',
        'error_if_incomplete',
        'default_incomplete',
        'pending_if_incomplete',
      ] as const),
      ...discountParams(params, resolvePromotion),
    });
  });
  router.add('GET', '/v1/subscriptions/search', ({ params }) => {
    params.allowOnly(['query', 'limit', 'page']);
    const clauses = parseSearchQuery(params.requiredString('query'));
    return searchPage(
      state.subscriptions.newestFirst(),
      (subscription) => matchesSearch(subscription, clauses),
      params,
      '/v1/subscriptions/search',
    );
  });
  router.add('GET', '/v1/subscriptions/:id', ({ pathParams }) => subscriptions.get(pathParams.id));
  router.add('POST', '/v1/subscriptions/:id', ({ pathParams, params }) => {
    params.allowOnly([
      'items',
      'proration_behavior',
      'cancel_at_period_end',
      'cancel_at',
      'metadata',
      'default_payment_method',
      'description',
      'trial_end',
      'discounts',
      'coupon',
      'promotion_code',
      'cancellation_details',
      'payment_behavior',
      'proration_date',
      'billing_cycle_anchor',
      'off_session',
      'collection_method',
      'pause_collection',
      'trial_from_plan',
    ]);
    const subscription = subscriptions.get(pathParams.id);
    const cancellation = params.object('cancellation_details')?.allowOnly(['comment', 'feedback']);
    return subscriptions.update(pathParams.id, {
      items: params.has('items') ? itemInputs(params) : undefined,
      prorationBehavior: params.enumOf('proration_behavior', PRORATION),
      cancelAtPeriodEnd: params.boolean('cancel_at_period_end'),
      cancelAt: params.isUnset('cancel_at') ? null : params.integer('cancel_at'),
      metadata: params.metadata(subscription.metadata),
      defaultPaymentMethod: params.nullableString('default_payment_method'),
      description: params.nullableString('description'),
      trialEnd: trialEnd(params),
      cancellationComment: cancellation?.nullableString('comment'),
      cancellationFeedback: cancellation?.nullableString('feedback'),
      ...discountParams(params, resolvePromotion),
    });
  });
  router.add('DELETE', '/v1/subscriptions/:id', ({ pathParams, params }) => {
    params.allowOnly(['invoice_now', 'prorate', 'cancellation_details']);
    const cancellation = params.object('cancellation_details')?.allowOnly(['comment', 'feedback']);
    return subscriptions.cancel(pathParams.id, {
      invoiceNow: params.boolean('invoice_now'),
      prorate: params.boolean('prorate'),
      comment: cancellation?.nullableString('comment'),
      feedback: cancellation?.nullableString('feedback'),
    });
  });
  router.add('POST', '/v1/subscriptions/:id/resume', ({ pathParams, params }) => {
    params.allowOnly(['billing_cycle_anchor', 'proration_behavior', 'proration_date']);
    return subscriptions.resume(pathParams.id);
  });
  router.add('GET', '/v1/subscriptions', ({ params }) => {
    params.allowOnly([
      ...PAGINATION_PARAMS,
      'customer',
      'status',
      'price',
      'created',
      'test_clock',
      'collection_method',
      'current_period_end',
      'current_period_start',
    ]);
    const customer = params.string('customer');
    const status = params.enumOf('status', SUBSCRIPTION_STATUSES);
    const price = params.string('price');
    const created = params.range('created');
    const testClock = params.string('test_clock');
    return state.subscriptions.page(pageRequest(params), '/v1/subscriptions', (subscription) => {
      if (customer !== undefined && subscription.customer !== customer) return false;
      if (testClock !== undefined && subscription.test_clock !== testClock) return false;
      if (price !== undefined && !subscription.items.data.some((item) => item.price.id === price))
        return false;
      if (created !== undefined && !created(subscription.created)) return false;
      // Like Stripe, the default list leaves canceled subscriptions out.
      if (status === undefined)
        return subscription.status !== 'canceled' && subscription.status !== 'incomplete_expired';
      if (status === 'all') return true;
      if (status === 'ended')
        return subscription.status === 'canceled' || subscription.status === 'incomplete_expired';
      return subscription.status === status;
    });
  });
  router.add('GET', '/v1/subscription_items', ({ params }) => {
    params.allowOnly([...PAGINATION_PARAMS, 'subscription']);
    const subscription = subscriptions.get(params.requiredString('subscription'), 'subscription');
    return pageOfArray(
      subscription.items.data,
      pageRequest(params),
      `/v1/subscription_items?subscription=${subscription.id}`,
    );
  });
  router.add('GET', '/v1/subscription_items/:id', ({ pathParams }) =>
    subscriptions.getItem(pathParams.id),
  );

  // --- invoices
  router.add('GET', '/v1/invoices/:id', ({ pathParams }) => invoices.get(pathParams.id));
  router.add('GET', '/v1/invoices/:id/lines', ({ pathParams, params }) => {
    params.allowOnly([...PAGINATION_PARAMS]);
    return pageOfArray(
      invoices.get(pathParams.id).lines.data,
      pageRequest(params),
      `/v1/invoices/${pathParams.id}/lines`,
    );
  });
  router.add('POST', '/v1/invoices/:id', ({ pathParams, params }) => {
    params.allowOnly(['metadata', 'description', 'footer', 'auto_advance']);
    const invoice = invoices.get(pathParams.id);
    const metadata = params.metadata(invoice.metadata ?? {});
    if (metadata !== undefined) invoice.metadata = metadata;
    const description = params.nullableString('description');
    if (description !== undefined) invoice.description = description;
    return invoice;
  });
  router.add('POST', '/v1/invoices/:id/pay', ({ pathParams, params }) => {
    params.allowOnly([
      'payment_method',
      'off_session',
      'paid_out_of_band',
      'forgive',
      'source',
      'mandate',
    ]);
    const invoice = invoices.get(pathParams.id);
    const paymentMethod = params.string('payment_method');
    if (paymentMethod !== undefined)
      domain.customers.getPaymentMethod(paymentMethod, 'payment_method');
    const result = invoices.attemptPayment(invoice, paymentMethod);
    if (result === 'failed') {
      const intentId = invoices.latestPaymentIntentOf(invoice.id);
      const intent = intentId === null ? undefined : state.paymentIntents.get(intentId);
      const error = intent?.last_payment_error;
      if (error?.decline_code != null)
        throw declinedPayment(error.decline_code, error.message ?? 'Your card was declined.');
      throw invalidRequest(
        'This invoice cannot be paid: the customer has no default payment method.',
        'invoice_no_payment_method_types',
      );
    }
    return invoice;
  });
  router.add('POST', '/v1/invoices/:id/finalize', ({ pathParams, params }) => {
    params.allowOnly(['auto_advance']);
    return invoices.finalize(invoices.get(pathParams.id));
  });
  router.add('POST', '/v1/invoices/:id/void', ({ pathParams }) => invoices.void(pathParams.id));
  router.add('POST', '/v1/invoices/:id/mark_uncollectible', ({ pathParams }) =>
    invoices.markUncollectible(pathParams.id),
  );
  router.add('GET', '/v1/invoices', ({ params }) => {
    params.allowOnly([
      ...PAGINATION_PARAMS,
      'customer',
      'subscription',
      'status',
      'created',
      'collection_method',
      'due_date',
    ]);
    const customer = params.string('customer');
    const subscription = params.string('subscription');
    const status = params.enumOf('status', [
      'draft',
      'open',
      'paid',
      'uncollectible',
      'void',
    ] as const);
    const created = params.range('created');
    return state.invoices.page(
      pageRequest(params),
      '/v1/invoices',
      (invoice) =>
        (customer === undefined || invoice.customer === customer) &&
        (subscription === undefined || invoices.subscriptionOf(invoice) === subscription) &&
        (status === undefined || invoice.status === status) &&
        (created === undefined || created(invoice.created)),
    );
  });
  router.add('GET', '/v1/invoice_payments/:id', ({ pathParams }) => {
    const payment = state.invoicePayments.get(pathParams.id);
    if (payment === undefined)
      throw invalidRequest(`No such invoice_payment: '${pathParams.id}'`, 'resource_missing', 'id');
    return payment;
  });
  router.add('GET', '/v1/invoice_payments', ({ params }) => {
    params.allowOnly([...PAGINATION_PARAMS, 'invoice', 'payment', 'status', 'created']);
    const invoice = params.string('invoice');
    const status = params.string('status');
    const payment = params
      .object('payment')
      ?.allowOnly(['type', 'payment_intent', 'payment_record']);
    const intent = payment?.string('payment_intent');
    return state.invoicePayments.page(
      pageRequest(params),
      '/v1/invoice_payments',
      (entry) =>
        (invoice === undefined || entry.invoice === invoice) &&
        (status === undefined || entry.status === status) &&
        (intent === undefined || entry.payment.payment_intent === intent),
    );
  });
  router.add('GET', '/v1/invoiceitems/:id', ({ pathParams }) => {
    const item = state.invoiceItems.get(pathParams.id);
    if (item === undefined)
      throw invalidRequest(`No such invoiceitem: '${pathParams.id}'`, 'resource_missing', 'id');
    return item;
  });
  router.add('GET', '/v1/invoiceitems', ({ params }) => {
    params.allowOnly([...PAGINATION_PARAMS, 'customer', 'invoice', 'pending', 'created']);
    const customer = params.string('customer');
    const invoice = params.string('invoice');
    const pending = params.boolean('pending');
    return state.invoiceItems.page(
      pageRequest(params),
      '/v1/invoiceitems',
      (item) =>
        (customer === undefined || item.customer === customer) &&
        (invoice === undefined || item.invoice === invoice) &&
        (pending === undefined || (item.invoice === null) === pending),
    );
  });

  // --- payment intents, charges, refunds
  router.add('POST', '/v1/payment_intents', ({ params }) => {
    params.allowOnly([
      'amount',
      'currency',
      'customer',
      'payment_method',
      'confirm',
      'metadata',
      'description',
      'receipt_email',
      'automatic_payment_methods',
      'payment_method_types',
      'off_session',
      'setup_future_usage',
      'capture_method',
      'return_url',
    ]);
    const amount = params.requiredInteger('amount');
    const currency = params.requiredString('currency');
    const customer = params.string('customer');
    if (customer !== undefined) domain.customers.get(customer, 'customer');
    const paymentMethod = params.string('payment_method');
    if (paymentMethod !== undefined)
      domain.customers.getPaymentMethod(paymentMethod, 'payment_method');
    const request = {
      customer: customer ?? null,
      paymentMethod: paymentMethod ?? null,
      amount,
      currency: currency.toLowerCase(),
      description: params.nullableString('description') ?? null,
      metadata: params.metadata() ?? {},
      receiptEmail: params.nullableString('receipt_email'),
    };
    if (params.boolean('confirm') !== true) return payments.createIntent(request);
    if (paymentMethod === undefined) throw parameterMissing('payment_method');
    const outcome = payments.chargeNow(request);
    if (outcome.declineCode !== null)
      throw declinedPayment(
        outcome.declineCode,
        outcome.paymentIntent.last_payment_error?.message ?? 'Your card was declined.',
        outcome.paymentIntent,
      );
    return outcome.paymentIntent;
  });
  router.add('GET', '/v1/payment_intents/:id', ({ pathParams }) =>
    payments.getPaymentIntent(pathParams.id),
  );
  router.add('POST', '/v1/payment_intents/:id', ({ pathParams, params }) => {
    params.allowOnly(['metadata', 'description', 'payment_method', 'receipt_email']);
    const intent = payments.getPaymentIntent(pathParams.id);
    const metadata = params.metadata(intent.metadata);
    if (metadata !== undefined) intent.metadata = metadata;
    const description = params.nullableString('description');
    if (description !== undefined) intent.description = description;
    const paymentMethod = params.string('payment_method');
    if (paymentMethod !== undefined)
      intent.payment_method = domain.customers.getPaymentMethod(paymentMethod, 'payment_method').id;
    return intent;
  });
  router.add('POST', '/v1/payment_intents/:id/confirm', ({ pathParams, params }) => {
    params.allowOnly(['payment_method', 'return_url', 'off_session']);
    const outcome = payments.confirm(pathParams.id, params.string('payment_method') ?? null);
    if (outcome.declineCode !== null)
      throw declinedPayment(
        outcome.declineCode,
        outcome.paymentIntent.last_payment_error?.message ?? 'Your card was declined.',
        outcome.paymentIntent,
      );
    return outcome.paymentIntent;
  });
  router.add('GET', '/v1/payment_intents', ({ params }) => {
    params.allowOnly([...PAGINATION_PARAMS, 'customer', 'created']);
    const customer = params.string('customer');
    const created = params.range('created');
    return state.paymentIntents.page(
      pageRequest(params),
      '/v1/payment_intents',
      (intent) =>
        (customer === undefined || intent.customer === customer) &&
        (created === undefined || created(intent.created)),
    );
  });
  router.add('GET', '/v1/charges/:id', ({ pathParams }) =>
    payments.chargeWithRefunds(payments.getCharge(pathParams.id)),
  );
  router.add('GET', '/v1/charges/:id/refunds', ({ pathParams, params }) => {
    params.allowOnly([...PAGINATION_PARAMS]);
    payments.getCharge(pathParams.id);
    return pageOfArray(
      payments.refundsOfCharge(pathParams.id),
      pageRequest(params),
      `/v1/charges/${pathParams.id}/refunds`,
    );
  });
  router.add('GET', '/v1/charges', ({ params }) => {
    params.allowOnly([...PAGINATION_PARAMS, 'customer', 'payment_intent', 'created']);
    const customer = params.string('customer');
    const paymentIntent = params.string('payment_intent');
    const created = params.range('created');
    const list = state.charges.page(
      pageRequest(params),
      '/v1/charges',
      (charge) =>
        (customer === undefined || charge.customer === customer) &&
        (paymentIntent === undefined || charge.payment_intent === paymentIntent) &&
        (created === undefined || created(charge.created)),
    );
    return { ...list, data: list.data.map((charge) => payments.chargeWithRefunds(charge)) };
  });
  router.add('POST', '/v1/refunds', ({ params }) => {
    params.allowOnly([
      'charge',
      'payment_intent',
      'amount',
      'reason',
      'metadata',
      'refund_application_fee',
      'reverse_transfer',
      'instructions_email',
    ]);
    return payments.createRefund({
      charge: params.string('charge'),
      paymentIntent: params.string('payment_intent'),
      amount: params.integer('amount'),
      reason: params.enumOf('reason', [
        'duplicate',
        'fraudulent',
        'requested_by_customer',
      ] as const),
      metadata: params.metadata(),
    });
  });
  router.add('GET', '/v1/refunds/:id', ({ pathParams }) => payments.getRefund(pathParams.id));
  router.add('POST', '/v1/refunds/:id', ({ pathParams, params }) => {
    params.allowOnly(['metadata']);
    const refund = payments.getRefund(pathParams.id);
    const metadata = params.metadata(refund.metadata ?? {});
    if (metadata !== undefined) refund.metadata = metadata;
    return refund;
  });
  router.add('GET', '/v1/refunds', ({ params }) => {
    params.allowOnly([...PAGINATION_PARAMS, 'charge', 'payment_intent', 'created']);
    const charge = params.string('charge');
    const paymentIntent = params.string('payment_intent');
    return state.refunds.page(
      pageRequest(params),
      '/v1/refunds',
      (refund) =>
        (charge === undefined || refund.charge === charge) &&
        (paymentIntent === undefined || refund.payment_intent === paymentIntent),
    );
  });
};

/**
 * A 402 for a declined payment, carrying the payment intent and charge as Stripe's does. The
 * attempt stands (failed charge, attempt count, events), as in Stripe.
 */
function declinedPayment(
  declineCode: string,
  message: string,
  intent?: Stripe.PaymentIntent,
): StripeApiError {
  return cardError(declineCode, {
    message,
    payment_intent: intent,
    charge: typeof intent?.latest_charge === 'string' ? intent.latest_charge : undefined,
  }).recordingAttempt();
}
