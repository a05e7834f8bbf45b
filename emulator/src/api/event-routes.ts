import type { StripeDomain } from '../billing/stripe-domain';
import { resourceMissing } from '../http/stripe-error';
import { pageRequest, type Endpoint } from './api-call';
import { CREATED_FILTER } from './params/common';
import { PAGINATION, p } from './params/param-spec';

export function eventEndpoints(domain: StripeDomain): Endpoint[] {
  const state = domain.core.state;
  return [
    {
      method: 'GET',
      path: '/v1/events/:id',
      params: {},
      handler: ({ pathParams }) => {
        const event = state.events.get(pathParams.id);
        if (event === undefined) throw resourceMissing('event', pathParams.id);
        return event;
      },
    },
    {
      method: 'GET',
      path: '/v1/events',
      params: { ...PAGINATION, ...CREATED_FILTER, type: p.string(), types: p.list(p.string()) },
      handler: ({ params }) => {
        const type = params.string('type');
        const types = params.has('types') ? new Set(params.stringArray('types')) : null;
        const created = params.range('created');
        // `type` accepts a trailing wildcard, as in `customer.subscription.*`.
        const typeMatches = (eventType: string): boolean =>
          type === undefined ||
          (type.endsWith('*') ? eventType.startsWith(type.slice(0, -1)) : eventType === type);
        return state.events.page(
          pageRequest(params),
          '/v1/events',
          (event) =>
            typeMatches(event.type) &&
            (types === null || types.has(event.type)) &&
            (created === undefined || created(event.created)),
        );
      },
    },
  ];
}
