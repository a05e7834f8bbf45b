import type { StripeDomain } from '../billing/stripe-domain';
import { declinedPayment } from '../billing/payment-intents';
import { parameterMissing } from '../http/stripe-error';
import { pageRequest, type Endpoint } from './api-call';
import { CREATED_FILTER } from './params/common';
import { PAGINATION, p } from './params/param-spec';
import { SEARCH_PARAMS, plainFields, search } from './search';

/** The fields Stripe lets you search payment intents by. */
const SEARCH_FIELDS = plainFields('amount', 'created', 'currency', 'customer', 'status');

export function paymentIntentEndpoints(domain: StripeDomain): Endpoint[] {
  const { paymentIntents, paymentMethods, customers, core } = domain;
  return [
    {
      method: 'POST',
      path: '/v1/payment_intents',
      params: {
        amount: p.integer().required(),
        currency: p.string().required(),
        customer: p.string(),
        payment_method: p.string(),
        confirm: p.boolean(),
        metadata: p.metadata(),
        description: p.string(),
        receipt_email: p.string(),
        off_session: p.boolean(),
        capture_method: p.enum(['automatic', 'automatic_async', 'manual']),
      },
      handler: ({ params }) => {
        const customer = params.string('customer');
        if (customer !== undefined) customers.get(customer, 'customer');
        const paymentMethod = params.string('payment_method');
        if (paymentMethod !== undefined) paymentMethods.get(paymentMethod, 'payment_method');
        const request = {
          customer: customer ?? null,
          paymentMethod: paymentMethod ?? null,
          amount: params.requiredInteger('amount'),
          currency: params.requiredString('currency').toLowerCase(),
          description: params.string('description') ?? null,
          metadata: params.metadata() ?? {},
          receiptEmail: params.string('receipt_email'),
          captureMethod: params.string('capture_method'),
        };
        if (params.boolean('confirm') !== true) return paymentIntents.create(request);
        if (paymentMethod === undefined) throw parameterMissing('payment_method');
        const outcome = paymentIntents.chargeNow(request);
        if (outcome.declineCode !== null)
          throw declinedPayment(outcome.paymentIntent, outcome.declineCode);
        return outcome.paymentIntent;
      },
    },
    {
      method: 'GET',
      path: '/v1/payment_intents/search',
      params: SEARCH_PARAMS,
      handler: ({ params }) =>
        search(core.state.paymentIntents.newestFirst(), params, 'payment_intents', SEARCH_FIELDS),
    },
    {
      method: 'GET',
      path: '/v1/payment_intents/:id',
      params: {},
      handler: ({ pathParams }) => paymentIntents.get(pathParams.id),
    },
    {
      method: 'POST',
      path: '/v1/payment_intents/:id',
      params: {
        metadata: p.metadata(),
        description: p.string(),
        payment_method: p.string(),
        receipt_email: p.string(),
      },
      handler: ({ pathParams, params }) =>
        paymentIntents.update(pathParams.id, {
          metadata: params.metadata(paymentIntents.get(pathParams.id).metadata),
          description: params.nullableString('description'),
          paymentMethod: params.string('payment_method'),
          receiptEmail: params.nullableString('receipt_email'),
        }),
    },
    {
      method: 'POST',
      path: '/v1/payment_intents/:id/confirm',
      params: { payment_method: p.string(), return_url: p.string(), off_session: p.boolean() },
      handler: ({ pathParams, params }) => {
        const outcome = paymentIntents.confirm(
          pathParams.id,
          params.string('payment_method') ?? null,
        );
        if (outcome.declineCode !== null)
          throw declinedPayment(outcome.paymentIntent, outcome.declineCode);
        return outcome.paymentIntent;
      },
    },
    {
      method: 'POST',
      path: '/v1/payment_intents/:id/capture',
      params: { amount_to_capture: p.integer(), metadata: p.metadata() },
      handler: ({ pathParams, params }) =>
        paymentIntents.capture(pathParams.id, {
          amountToCapture: params.integer('amount_to_capture'),
          metadata: params.metadata(paymentIntents.get(pathParams.id).metadata),
        }),
    },
    {
      method: 'POST',
      path: '/v1/payment_intents/:id/cancel',
      params: {
        cancellation_reason: p.enum([
          'abandoned',
          'duplicate',
          'fraudulent',
          'requested_by_customer',
        ]),
      },
      handler: ({ pathParams, params }) =>
        paymentIntents.cancel(pathParams.id, params.string('cancellation_reason') ?? null),
    },
    {
      method: 'GET',
      path: '/v1/payment_intents',
      params: { ...PAGINATION, ...CREATED_FILTER, customer: p.string() },
      handler: ({ params }) => {
        const customer = params.string('customer');
        const created = params.range('created');
        return core.state.paymentIntents.page(
          pageRequest(params),
          '/v1/payment_intents',
          (intent) =>
            (customer === undefined || intent.customer === customer) &&
            (created === undefined || created(intent.created)),
        );
      },
    },
  ];
}
