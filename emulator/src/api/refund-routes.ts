import type { StripeDomain } from '../billing/stripe-domain';
import { pageRequest, type Endpoint } from './api-call';
import { CREATED_FILTER } from './params/common';
import { PAGINATION, p } from './params/param-spec';

const REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'];

export function refundEndpoints(domain: StripeDomain): Endpoint[] {
  const { refunds, core } = domain;
  return [
    {
      method: 'POST',
      path: '/v1/refunds',
      params: {
        charge: p.string(),
        payment_intent: p.string(),
        amount: p.integer(),
        reason: p.enum(REASONS),
        metadata: p.metadata(),
      },
      handler: ({ params }) =>
        refunds.create({
          charge: params.string('charge'),
          paymentIntent: params.string('payment_intent'),
          amount: params.integer('amount'),
          reason: params.string('reason'),
          metadata: params.metadata(),
        }),
    },
    {
      method: 'GET',
      path: '/v1/refunds/:id',
      params: {},
      handler: ({ pathParams }) => refunds.get(pathParams.id),
    },
    {
      method: 'POST',
      path: '/v1/refunds/:id',
      params: { metadata: p.metadata() },
      handler: ({ pathParams, params }) =>
        refunds.update(pathParams.id, params.metadata(refunds.get(pathParams.id).metadata ?? {})),
    },
    {
      method: 'GET',
      path: '/v1/refunds',
      params: { ...PAGINATION, ...CREATED_FILTER, charge: p.string(), payment_intent: p.string() },
      handler: ({ params }) => {
        const charge = params.string('charge');
        const paymentIntent = params.string('payment_intent');
        const created = params.range('created');
        return core.state.refunds.page(
          pageRequest(params),
          '/v1/refunds',
          (refund) =>
            (charge === undefined || refund.charge === charge) &&
            (paymentIntent === undefined || refund.payment_intent === paymentIntent) &&
            (created === undefined || created(refund.created)),
        );
      },
    },
  ];
}
