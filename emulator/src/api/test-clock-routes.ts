import type { StripeDomain } from '../billing/stripe-domain';
import { pageRequest, type Endpoint } from './api-call';
import { PAGINATION, p } from './params/param-spec';

export function testClockEndpoints(domain: StripeDomain): Endpoint[] {
  const { testClocks, core } = domain;
  return [
    {
      method: 'POST',
      path: '/v1/test_helpers/test_clocks',
      params: { frozen_time: p.timestamp().required(), name: p.string() },
      handler: ({ params }) =>
        testClocks.create({
          frozenTime: params.requiredInteger('frozen_time'),
          name: params.nullableString('name'),
        }),
    },
    {
      method: 'GET',
      path: '/v1/test_helpers/test_clocks/:id',
      params: {},
      handler: ({ pathParams }) => testClocks.get(pathParams.id),
    },
    {
      method: 'POST',
      path: '/v1/test_helpers/test_clocks/:id/advance',
      params: { frozen_time: p.timestamp().required() },
      handler: ({ pathParams, params }) =>
        testClocks.advance(pathParams.id, params.requiredInteger('frozen_time')),
    },
    {
      method: 'DELETE',
      path: '/v1/test_helpers/test_clocks/:id',
      params: {},
      handler: ({ pathParams }) => testClocks.delete(pathParams.id),
    },
    {
      method: 'GET',
      path: '/v1/test_helpers/test_clocks',
      params: PAGINATION,
      handler: ({ params }) =>
        core.state.testClocks.page(pageRequest(params), '/v1/test_helpers/test_clocks'),
    },
  ];
}
