import type { StripeDomain } from '../billing/stripe-domain';
import { pageOfArray } from '../store/collection';
import { pageRequest, type Endpoint } from './api-call';
import { PAGINATION, p } from './params/param-spec';

export function subscriptionItemEndpoints(domain: StripeDomain): Endpoint[] {
  const { subscriptions } = domain;
  return [
    {
      method: 'GET',
      path: '/v1/subscription_items',
      params: { ...PAGINATION, subscription: p.string().required() },
      handler: ({ params }) => {
        const subscription = subscriptions.get(
          params.requiredString('subscription'),
          'subscription',
        );
        return pageOfArray(
          subscription.items.data,
          pageRequest(params),
          `/v1/subscription_items?subscription=${subscription.id}`,
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/subscription_items/:id',
      params: {},
      handler: ({ pathParams }) => subscriptions.items.get(pathParams.id),
    },
  ];
}
