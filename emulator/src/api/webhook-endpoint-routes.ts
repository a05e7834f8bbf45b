import type Stripe from 'stripe';
import type { StripeDomain } from '../billing/stripe-domain';
import { invalidRequest, resourceMissing } from '../http/stripe-error';
import { newId, randomToken } from '../store/ids';
import { pageRequest, type Endpoint } from './api-call';
import { PAGINATION, p } from './params/param-spec';

/** Webhook endpoints: the signing secret is shown on create only, as Stripe does. */
export function webhookEndpointEndpoints(domain: StripeDomain): Endpoint[] {
  const { core } = domain;
  const state = core.state;
  const getEndpoint = (id: string): Stripe.WebhookEndpoint => {
    const record = state.webhookEndpoints.get(id);
    if (record === undefined) throw resourceMissing('webhook_endpoint', id);
    return record.endpoint;
  };
  return [
    {
      method: 'POST',
      path: '/v1/webhook_endpoints',
      params: {
        url: p.string().required(),
        enabled_events: p.list(p.string()).required(),
        description: p.string().unsettable(),
        metadata: p.metadata(),
        api_version: p.string(),
      },
      handler: ({ params }) => {
        const url = params.requiredString('url');
        if (!/^https?:\/\//.test(url))
          throw invalidRequest(
            'Invalid URL: URL must be publicly accessible.',
            'url_invalid',
            'url',
          );
        const secret = `whsec_${randomToken(32)}`;
        const endpoint: Stripe.WebhookEndpoint = {
          id: newId('we'),
          object: 'webhook_endpoint',
          api_version: params.string('api_version') ?? null,
          application: null,
          created: core.clock.globalNow(),
          description: params.nullableString('description') ?? null,
          enabled_events: params.stringArray('enabled_events'),
          livemode: false,
          metadata: params.metadata() ?? {},
          status: 'enabled',
          url,
        };
        state.webhookEndpoints.put({ id: endpoint.id, endpoint, secret });
        return { ...endpoint, secret };
      },
    },
    {
      method: 'GET',
      path: '/v1/webhook_endpoints/:id',
      params: {},
      handler: ({ pathParams }) => getEndpoint(pathParams.id),
    },
    {
      method: 'POST',
      path: '/v1/webhook_endpoints/:id',
      params: {
        url: p.string(),
        enabled_events: p.list(p.string()),
        description: p.string().unsettable(),
        metadata: p.metadata(),
        disabled: p.boolean(),
      },
      handler: ({ pathParams, params }) => {
        const endpoint = getEndpoint(pathParams.id);
        const url = params.string('url');
        if (url !== undefined) endpoint.url = url;
        if (params.has('enabled_events'))
          endpoint.enabled_events = params.stringArray('enabled_events');
        const description = params.nullableString('description');
        if (description !== undefined) endpoint.description = description;
        const metadata = params.metadata(endpoint.metadata);
        if (metadata !== undefined) endpoint.metadata = metadata;
        const disabled = params.boolean('disabled');
        if (disabled !== undefined) endpoint.status = disabled ? 'disabled' : 'enabled';
        return endpoint;
      },
    },
    {
      method: 'DELETE',
      path: '/v1/webhook_endpoints/:id',
      params: {},
      handler: ({ pathParams }) => {
        getEndpoint(pathParams.id);
        state.webhookEndpoints.delete(pathParams.id);
        return { id: pathParams.id, object: 'webhook_endpoint', deleted: true };
      },
    },
    {
      method: 'GET',
      path: '/v1/webhook_endpoints',
      params: PAGINATION,
      handler: ({ params }) => {
        const list = state.webhookEndpoints.page(pageRequest(params), '/v1/webhook_endpoints');
        return { ...list, data: list.data.map((record) => record.endpoint) };
      },
    },
  ];
}
