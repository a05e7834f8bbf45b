import supertest, { type Response } from 'supertest';
import type { App } from 'supertest/types';
import { emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { startServiceProcess, type ServiceProcess } from '../support/service-process';
import type { OpenDatabase } from '../../src/database/database-location';
import { createTestDatabase } from '../support/test-database';
import { subscribeThroughStripe, type SubscribedAccount } from '../support/flows';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, newUser, signToken, TEST_ADMIN_KEY } from '../support/tokens';

/** Headers a server sets per response, whichever path answered. */
const PER_RESPONSE = new Set(['x-request-id', 'date', 'connection', 'keep-alive']);

function comparable(response: Response): { status: number; headers: object; body: unknown } {
  // An error's envelope names its own request (and so its ETag differs too).
  const envelope =
    typeof response.body === 'object' && response.body !== null && 'requestId' in response.body;
  return {
    status: response.status,
    headers: Object.fromEntries(
      Object.entries(response.headers)
        .filter(([name]) => !PER_RESPONSE.has(name) && !(envelope && name === 'etag'))
        .sort(([a], [b]) => a.localeCompare(b)),
    ),
    body: envelope ? { ...response.body, requestId: '<id>' } : response.body,
  };
}

/**
 * Hot reads (`src/hot-reads.ts`) are answered at the server's front door, in front of Express
 * and Nest. Each request here is sent twice: through the server (front door first) and straight
 * to the Express app behind it (the routes' own pipeline). Both answers must be the same —
 * status, headers and body — and the route's handler must run only for what the front door
 * leaves to it.
 */
describe('hot reads', () => {
  let t: TestService;
  let pipeline: supertest.Agent;
  let subscribed: SubscribedAccount;
  /** Express's entry: every request the front door passes on goes through it. */
  let expressEntry: jest.SpyInstance;

  beforeAll(async () => {
    t = await startTestService({
      ENTITLEMENTS_API_KEY: 'entitlements-key-for-the-suite-0123456789',
    });
    pipeline = supertest(t.service.app.getHttpAdapter().getInstance() as App);
    subscribed = await subscribeThroughStripe(t);
    expressEntry = jest.spyOn(
      t.service.app.getHttpAdapter().getInstance() as unknown as { handle: () => void },
      'handle',
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Sends the request both ways; returns the front door's answer and whether Express saw it. */
  async function both(
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ front: Response; routeRuns: number }> {
    expressEntry.mockClear();
    const front = await t.http.get(path).set(headers);
    const routeRuns = expressEntry.mock.calls.length;
    const reference = await pipeline.get(path).set(headers);
    expect(comparable(front)).toEqual(comparable(reference));
    expect(front.headers['x-request-id']).toEqual(expect.any(String));
    return { front, routeRuns };
  }

  it('answers the catalog at the front door exactly as its route does', async () => {
    const { front, routeRuns } = await both('/api/catalog/products');
    expect(front.status).toBe(200);
    expect(front.body.length).toBeGreaterThan(0);
    expect(front.headers.etag).toMatch(/^W\//);
    expect(routeRuns).toBe(0);
  });

  it.each([
    ['an allowed origin', { Origin: 'http://localhost:5173' }],
    ['another origin', { Origin: 'https://elsewhere.example' }],
    ['a request id of its own', { 'X-Request-Id': 'trace-1234' }],
  ])('sends the same CORS and security headers with %s', async (_, headers) => {
    const { front, routeRuns } = await both('/api/catalog/products', headers);
    expect(routeRuns).toBe(0);
    if ('X-Request-Id' in headers) expect(front.headers['x-request-id']).toBe('trace-1234');
  });

  it("flags the caller's plan in the catalog with a bearer token", async () => {
    const { front, routeRuns } = await both('/api/catalog/products', bearer(subscribed.token));
    expect(routeRuns).toBe(0);
    expect(front.body.some((p: { subscribed: boolean }) => p.subscribed)).toBe(true);
  });

  it('answers an entitlement check at the front door exactly as its route does', async () => {
    const token = bearer(subscribed.token);
    const chat = await both('/api/entitlements/chat', token);
    expect(chat.front.body).toEqual({ feature: 'chat', entitled: true });
    expect(chat.routeRuns).toBe(0);
    const other = await both('/api/entitlements/not-in-any-plan', token);
    expect(other.front.body).toEqual({ feature: 'not-in-any-plan', entitled: false });
    expect(other.routeRuns).toBe(0);
    // A new user's account is made on first sight, on either path.
    const stranger = await both('/api/entitlements/chat', bearer(signToken(newUser())));
    expect(stranger.front.body).toEqual({ feature: 'chat', entitled: false });
    expect(stranger.routeRuns).toBe(0);
  });

  it('answers the current plan at the front door exactly as its route does', async () => {
    const plan = await both('/api/subscriptions/current', bearer(subscribed.token));
    expect(plan.front.body.subscription).toMatchObject({ id: subscribed.subscriptionId });
    expect(plan.routeRuns).toBe(0);
    const none = await both('/api/subscriptions/current', bearer(signToken(newUser())));
    expect(none.front.body).toEqual({ subscription: null });
    expect(none.routeRuns).toBe(0);
  });

  it.each([
    ['a query', '/api/catalog/products?type=one_time', {}],
    ['a refused query', '/api/catalog/products?type=weekly', {}],
    ['a trailing slash', '/api/catalog/products/', {}],
    ['a refused token', '/api/catalog/products', bearer('not-a-token')],
    ['an expired token', '/api/catalog/products', bearer(signToken(newUser(), { expiresIn: -60 }))],
    ['a malformed Authorization header', '/api/catalog/products', { Authorization: 'Basic x' }],
    ['no token', '/api/entitlements/chat', {}],
    ['a refused feature id', '/api/entitlements/Not%20a%20feature', 'token'],
    ['an upper-case feature id', '/api/entitlements/CHAT', 'token'],
    ['a service key', '/api/entitlements/chat', { 'X-Admin-Key': TEST_ADMIN_KEY }],
    ['a wrong service key', '/api/entitlements/chat', { 'X-Entitlements-Key': 'wrong' }],
    ['no token for the current plan', '/api/subscriptions/current', {}],
    [
      'a service key for the current plan',
      '/api/subscriptions/current',
      { 'X-Admin-Key': TEST_ADMIN_KEY },
    ],
    ['a query on the current plan', '/api/subscriptions/current?x=1', 'token'],
  ] as const)('leaves a request with %s to its route', async (_, path, headers) => {
    const sent = headers === 'token' ? bearer(subscribed.token) : headers;
    const { routeRuns } = await both(path, sent);
    expect(routeRuns).toBe(1);
  });

  it('leaves a conditional request to its route, which answers 304 for a known ETag', async () => {
    const first = await t.http.get('/api/catalog/products').expect(200);
    const { front, routeRuns } = await both('/api/catalog/products', {
      'If-None-Match': first.headers.etag,
    });
    expect(front.status).toBe(304);
    expect(routeRuns).toBe(1);
  });

  it('leaves HEAD and other methods to the routes', async () => {
    const head = await t.http.head('/api/catalog/products');
    const reference = await pipeline.head('/api/catalog/products');
    expect(comparable(head)).toEqual(comparable(reference));
    const post = await t.http.post('/api/catalog/products').send({});
    expect(post.status).toBe(405);
  });

  it('sees a catalog change as soon as its webhook is applied', async () => {
    const before = await t.http.get('/api/catalog/products').expect(200);
    const product = before.body[0] as { id: string; name: string };
    const stripe = emulatorStripe(t.service);
    await stripe.products.update(product.id, { name: `${product.name} (renamed)` });
    await flushWebhooks(t.service);
    const after = await both('/api/catalog/products');
    expect(after.routeRuns).toBe(0);
    expect(after.front.body.find((p: { id: string }) => p.id === product.id).name).toBe(
      `${product.name} (renamed)`,
    );
    expect(after.front.headers.etag).not.toBe(before.headers.etag);
    await stripe.products.update(product.id, { name: product.name });
    await flushWebhooks(t.service);
  });
});

describe('hot reads under the rate limit', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService({ THROTTLE_LIMIT: '6' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts each request once, whichever path answers it, and answers 429 past the limit', async () => {
    const token = bearer(signToken(newUser()));
    // Three answered at the front door, three left to the route after being counted there.
    for (let i = 0; i < 3; i++) await t.http.get('/api/entitlements/chat').set(token).expect(200);
    for (let i = 0; i < 3; i++) await t.http.get('/api/entitlements/CHAT').set(token).expect(400);
    const refused = await t.http.get('/api/entitlements/chat').set(token).expect(429);
    expect(refused.headers['retry-after']).toEqual(expect.any(String));
    expect(refused.body).toMatchObject({ success: false, error_code: 'TOO_MANY_REQUESTS' });
    expect(refused.headers['x-content-type-options']).toBe('nosniff');
  });
});

/** Polls `done` until it holds, at most `timeoutMs`. */
async function waitFor(done: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe('hot reads in the request log', () => {
  let service: ServiceProcess | undefined;
  let database: OpenDatabase | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startServiceProcess({ DATABASE_URL: database.url, LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    await service?.stop();
    await database?.close();
  });

  it('logs each request once, answered at the front door or left to its route', async () => {
    const token = bearer(signToken(newUser()));
    const sent = [
      { id: 'log-hot-catalog', path: '/api/catalog/products', status: 200 },
      { id: 'log-hot-entitlement', path: '/api/entitlements/chat', status: 200 },
      { id: 'log-left-entitlement', path: '/api/entitlements/CHAT', status: 400 },
    ];
    for (const request of sent) {
      const response = await fetch(`${service!.url}${request.path}`, {
        headers: { ...token, 'X-Request-Id': request.id },
      });
      await response.arrayBuffer();
      expect(response.status).toBe(request.status);
    }
    const linesOf = (id: string) =>
      service!.output.filter((line) => line.includes(`"id":"${id}"`) && line.includes('"request'));
    await waitFor(() => sent.every((request) => linesOf(request.id).length > 0));
    for (const request of sent) {
      const lines = linesOf(request.id);
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0])).toMatchObject({
        msg: 'request completed',
        req: { id: request.id, method: 'GET', url: request.path },
        res: { statusCode: request.status },
        responseTime: expect.any(Number),
      });
    }
  });
});
