import type Stripe from 'stripe';
import { invalidRequest, resourceMissing } from '../http/stripe-error';
import { newId, randomToken } from '../store/ids';
import { PAGINATION_PARAMS, pageRequest, type RouteRegistrar } from './api-call';

export const registerEventRoutes: RouteRegistrar = (router, domain) => {
  const { core, lifecycle } = domain;
  const state = core.state;

  router.add('GET', '/v1/events/:id', ({ pathParams }) => {
    const event = state.events.get(pathParams.id);
    if (event === undefined) throw resourceMissing('event', pathParams.id);
    return event;
  });
  router.add('GET', '/v1/events', ({ params }) => {
    params.allowOnly([...PAGINATION_PARAMS, 'type', 'types', 'created', 'delivery_success']);
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
  });

  // --- webhook endpoints: the secret is shown on create only, as Stripe does.
  router.add('POST', '/v1/webhook_endpoints', ({ params }) => {
    params.allowOnly([
      'url',
      'enabled_events',
      'description',
      'metadata',
      'api_version',
      'connect',
    ]);
    const url = params.requiredString('url');
    if (!/^https?:\/\//.test(url))
      throw invalidRequest('Invalid URL: URL must be publicly accessible.', 'url_invalid', 'url');
    const enabledEvents = params.stringArray('enabled_events');
    if (enabledEvents.length === 0)
      throw invalidRequest(
        'Missing required param: enabled_events.',
        'parameter_missing',
        'enabled_events',
      );
    const secret = `whsec_${randomToken(32)}`;
    const endpoint: Stripe.WebhookEndpoint = {
      id: newId('we'),
      object: 'webhook_endpoint',
      api_version: params.string('api_version') ?? null,
      application: null,
      created: core.clock.globalNow(),
      description: params.nullableString('description') ?? null,
      enabled_events: enabledEvents,
      livemode: false,
      metadata: params.metadata() ?? {},
      status: 'enabled',
      url,
    };
    state.webhookEndpoints.put({ id: endpoint.id, endpoint, secret });
    return { ...endpoint, secret };
  });
  const getEndpoint = (id: string): Stripe.WebhookEndpoint => {
    const record = state.webhookEndpoints.get(id);
    if (record === undefined) throw resourceMissing('webhook_endpoint', id);
    return record.endpoint;
  };
  router.add('GET', '/v1/webhook_endpoints/:id', ({ pathParams }) => getEndpoint(pathParams.id));
  router.add('POST', '/v1/webhook_endpoints/:id', ({ pathParams, params }) => {
    params.allowOnly(['url', 'enabled_events', 'description', 'metadata', 'disabled']);
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
  });
  router.add('DELETE', '/v1/webhook_endpoints/:id', ({ pathParams }) => {
    getEndpoint(pathParams.id);
    state.webhookEndpoints.delete(pathParams.id);
    return { id: pathParams.id, object: 'webhook_endpoint', deleted: true };
  });
  router.add('GET', '/v1/webhook_endpoints', ({ params }) => {
    params.allowOnly([...PAGINATION_PARAMS]);
    const list = state.webhookEndpoints.page(pageRequest(params), '/v1/webhook_endpoints');
    return { ...list, data: list.data.map((record) => record.endpoint) };
  });

  // --- test clocks
  router.add('POST', '/v1/test_helpers/test_clocks', ({ params }) => {
    params.allowOnly(['frozen_time', 'name']);
    return lifecycle.createTestClock({
      frozenTime: params.requiredInteger('frozen_time'),
      name: params.nullableString('name'),
    });
  });
  router.add('GET', '/v1/test_helpers/test_clocks/:id', ({ pathParams }) =>
    lifecycle.getTestClock(pathParams.id),
  );
  router.add('POST', '/v1/test_helpers/test_clocks/:id/advance', ({ pathParams, params }) => {
    params.allowOnly(['frozen_time']);
    return lifecycle.advanceTestClock(pathParams.id, params.requiredInteger('frozen_time'));
  });
  router.add('DELETE', '/v1/test_helpers/test_clocks/:id', ({ pathParams }) =>
    lifecycle.deleteTestClock(pathParams.id),
  );
  router.add('GET', '/v1/test_helpers/test_clocks', ({ params }) => {
    params.allowOnly([...PAGINATION_PARAMS]);
    return state.testClocks.page(pageRequest(params), '/v1/test_helpers/test_clocks');
  });
};
