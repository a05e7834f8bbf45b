import type { StripeDomain } from '../billing/stripe-domain';
import { pageOfArray } from '../store/collection';
import { pageRequest, type Endpoint } from './api-call';
import { CREATED_FILTER } from './params/common';
import { PAGINATION, p } from './params/param-spec';
import { SEARCH_PARAMS, byPath, plainFields, search } from './search';

/** The fields Stripe lets you search charges by. */
const SEARCH_FIELDS = {
  ...plainFields('amount', 'created', 'currency', 'customer', 'disputed', 'refunded', 'status'),
  'billing_details.address.postal_code': byPath('billing_details.address.postal_code'),
  ...Object.fromEntries(
    ['brand', 'exp_month', 'exp_year', 'fingerprint', 'last4'].map((field) => [
      `payment_method_details.card.${field}`,
      byPath(`payment_method_details.card.${field}`),
    ]),
  ),
};

export function chargeEndpoints(domain: StripeDomain): Endpoint[] {
  const { charges, core } = domain;
  return [
    {
      method: 'GET',
      path: '/v1/charges/search',
      params: SEARCH_PARAMS,
      handler: ({ params }) => {
        const result = search(core.state.charges.newestFirst(), params, 'charges', SEARCH_FIELDS);
        return { ...result, data: result.data.map((charge) => charges.withRefunds(charge)) };
      },
    },
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
