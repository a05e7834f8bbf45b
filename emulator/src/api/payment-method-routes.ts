import type { StripeDomain } from '../billing/stripe-domain';
import { pageRequest, type Endpoint } from './api-call';
import { PAGINATION, p } from './params/param-spec';

const CARD = p.object({
  number: p.string(),
  exp_month: p.integer(),
  exp_year: p.integer(),
  cvc: p.string(),
  token: p.string(),
});

export function paymentMethodEndpoints(domain: StripeDomain): Endpoint[] {
  const { paymentMethods, core } = domain;
  return [
    {
      method: 'POST',
      path: '/v1/payment_methods',
      params: { type: p.enum(['card']).required(), card: CARD.required(), metadata: p.metadata() },
      handler: ({ params }) => {
        const card = params.object('card');
        const token = card?.string('token');
        if (token !== undefined) return paymentMethods.get(token, 'card[token]');
        return paymentMethods.tokenise(
          {
            number: card?.requiredString('number') ?? '',
            expMonth: card?.integer('exp_month'),
            expYear: card?.integer('exp_year'),
            cvc: card?.string('cvc'),
          },
          params.metadata() ?? {},
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/payment_methods/:id',
      params: {},
      handler: ({ pathParams }) => paymentMethods.get(pathParams.id),
    },
    {
      method: 'POST',
      path: '/v1/payment_methods/:id',
      params: { metadata: p.metadata() },
      handler: ({ pathParams, params }) => {
        const method = paymentMethods.get(pathParams.id);
        const metadata = params.metadata(method.metadata ?? {});
        if (metadata !== undefined) method.metadata = metadata;
        return method;
      },
    },
    {
      method: 'POST',
      path: '/v1/payment_methods/:id/attach',
      params: { customer: p.string().required() },
      handler: ({ pathParams, params }) =>
        paymentMethods.attach(pathParams.id, params.requiredString('customer')),
    },
    {
      method: 'POST',
      path: '/v1/payment_methods/:id/detach',
      params: {},
      handler: ({ pathParams }) => paymentMethods.detach(pathParams.id),
    },
    {
      method: 'GET',
      path: '/v1/payment_methods',
      params: { ...PAGINATION, customer: p.string(), type: p.enum(['card']) },
      handler: ({ params }) => {
        const customer = params.string('customer');
        return core.state.paymentMethods.page(
          pageRequest(params),
          '/v1/payment_methods',
          (method) => customer === undefined || method.customer === customer,
        );
      },
    },
  ];
}
