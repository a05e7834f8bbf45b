import type Stripe from 'stripe';
import type { BillingDetailsInput } from '../billing/payment-methods';
import type { StripeDomain } from '../billing/stripe-domain';
import type { RequestParams } from '../http/request-params';
import { pageRequest, type Endpoint } from './api-call';
import { ADDRESS } from './params/common';
import { PAGINATION, p } from './params/param-spec';

const BILLING_DETAILS = p.object({
  address: ADDRESS.unsettable(),
  email: p.string().unsettable(),
  name: p.string().unsettable(),
  phone: p.string().unsettable(),
});
const ALLOW_REDISPLAY = p.enum(['always', 'limited', 'unspecified']);

function billingDetails(params: RequestParams): BillingDetailsInput | undefined {
  const details = params.object('billing_details');
  if (details === undefined) return undefined;
  const address = details.object('address');
  return {
    address: details.isUnset('address') ? null : address?.tree,
    email: details.nullableString('email'),
    name: details.nullableString('name'),
    phone: details.nullableString('phone'),
  };
}

function allowRedisplay(params: RequestParams): Stripe.PaymentMethod.AllowRedisplay | undefined {
  return params.string('allow_redisplay');
}

export function paymentMethodEndpoints(domain: StripeDomain): Endpoint[] {
  const { paymentMethods, core } = domain;
  return [
    {
      method: 'POST',
      path: '/v1/payment_methods',
      params: {
        type: p.enum(['card']).required(),
        card: p
          .object({
            number: p.string(),
            exp_month: p.integer(),
            exp_year: p.integer(),
            cvc: p.string(),
            token: p.string(),
          })
          .required(),
        metadata: p.metadata(),
        billing_details: BILLING_DETAILS,
        allow_redisplay: ALLOW_REDISPLAY,
      },
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
          {
            metadata: params.metadata() ?? {},
            billingDetails: billingDetails(params),
            allowRedisplay: allowRedisplay(params),
          },
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
      params: {
        metadata: p.metadata(),
        billing_details: BILLING_DETAILS,
        card: p.object({ exp_month: p.integer(), exp_year: p.integer() }),
        allow_redisplay: ALLOW_REDISPLAY,
      },
      handler: ({ pathParams, params }) => {
        const method = paymentMethods.get(pathParams.id);
        const card = params.object('card');
        return paymentMethods.update(method.id, {
          metadata: params.metadata(method.metadata ?? {}),
          billingDetails: billingDetails(params),
          expMonth: card?.integer('exp_month'),
          expYear: card?.integer('exp_year'),
          allowRedisplay: allowRedisplay(params),
        });
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
