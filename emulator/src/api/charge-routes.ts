import type { StripeDomain } from '../billing/stripe-domain';
import { pageOfArray } from '../store/collection';
import { pageRequest, type Endpoint } from './api-call';
import { CREATED_FILTER } from './params/common';
import { PAGINATION, p } from './params/param-spec';

export function chargeEndpoints(domain: StripeDomain): Endpoint[] {
  const { charges, core } = domain;
  return [
    {
      method: 'GET',
      path: '/v1/charges/:id',
      params: {},
      handler: ({ pathParams }) => charges.withRefunds(charges.get(pathParams.id)),
    },
    {
      method: 'GET',
      path: '/v1/charges/:id/refunds',
      params: PAGINATION,
      handler: ({ pathParams, params }) => {
        charges.get(pathParams.id);
        return pageOfArray(
          charges.refundsOf(pathParams.id),
          pageRequest(params),
          `/v1/charges/${pathParams.id}/refunds`,
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/charges',
      params: {
        ...PAGINATION,
        ...CREATED_FILTER,
        customer: p.string(),
        payment_intent: p.string(),
      },
      handler: ({ params }) => {
        const customer = params.string('customer');
        const paymentIntent = params.string('payment_intent');
        const created = params.range('created');
        const list = core.state.charges.page(
          pageRequest(params),
          '/v1/charges',
          (charge) =>
            (customer === undefined || charge.customer === customer) &&
            (paymentIntent === undefined || charge.payment_intent === paymentIntent) &&
            (created === undefined || created(charge.created)),
        );
        return { ...list, data: list.data.map((charge) => charges.withRefunds(charge)) };
      },
    },
  ];
}
