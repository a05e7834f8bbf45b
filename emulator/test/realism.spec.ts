import Stripe from 'stripe';
import type { RunningEmulator } from '../src';
import { WebhookReceiver, startHarness, type Harness } from './support/harness';

/**
 * The realism switches, each observed from the client side through the official SDK: what a
 * service talking to a loaded, distant Stripe sees.
 */
describe('realism switches', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await harness.close();
  });

  function client(options: Partial<Stripe.StripeConfig> = {}, key = 'sk_test_realism'): Stripe {
    return new Stripe(key, {
      host: '127.0.0.1',
      port: harness.emulator.port,
      protocol: 'http',
      maxNetworkRetries: 0,
      ...options,
    });
  }

  async function setRealism(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const answer = await harness.control<Record<string, unknown>>('realism', body);
    expect(answer.status).toBe(200);
    return answer.body;
  }

  interface CounterView {
    total: number;
    rateLimited: number;
    lockTimeouts: number;
    faults: Record<string, number>;
    idempotentReplays: number;
    byEndpoint: Record<string, number>;
  }

  async function counters(key = 'sk_test_realism'): Promise<CounterView> {
    return (await harness.control<CounterView>(`counters?key=${key}`, undefined, 'GET')).body;
  }

  async function customersWithEmail(email: string): Promise<Stripe.Customer[]> {
    return (await harness.stripe.customers.list({ email, limit: 100 })).data;
  }

  describe('latency', () => {
    it('delays every API call by at least the fixed latency, and not the control API', async () => {
      await setRealism({ latency: { fixedMs: 150 } });
      const stripe = client();
      for (let index = 0; index < 3; index += 1) {
        const started = performance.now();
        await stripe.products.retrieve('prod_pro').catch(() => undefined);
        expect(performance.now() - started).toBeGreaterThanOrEqual(149);
      }
      const view = await harness.control('realism', undefined, 'GET');
      expect(view.body).toMatchObject({ latency: { fixedMs: 150 } });
    });

    it('takes a distribution with a tail, and refuses a nonsensical one', async () => {
      expect(await setRealism({ latency: { p50Ms: 20, p99Ms: 80 } })).toMatchObject({
        latency: { p50Ms: 20, p99Ms: 80 },
      });
      const started = performance.now();
      await client().customers.create({ email: 'slow@example.com' });
      expect(performance.now() - started).toBeGreaterThan(0);
      const refused = await harness.control('realism', { latency: { p50Ms: 100, p99Ms: 10 } });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: { param: 'latency.p99Ms' } });
    });
  });

  describe("Stripe's rate limiter", () => {
    it('answers 429 rate_limit in Stripe’s shape once a key’s read budget is spent', async () => {
      await setRealism({ rateLimit: 2 });
      const stripe = client();
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () => stripe.customers.list({ limit: 1 })),
      );
      const refused = results.filter(
        (result): result is PromiseRejectedResult => result.status === 'rejected',
      );
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(refused.length).toBeLessThan(10);
      const error = refused[0].reason as Stripe.errors.StripeError;
      expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect(error).toMatchObject({
        statusCode: 429,
        code: 'rate_limit',
        type: 'StripeRateLimitError',
        raw: expect.objectContaining({
          type: 'invalid_request_error',
          message: expect.stringContaining('Request rate limit exceeded'),
          doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
        }),
      });
      expect(error.headers?.['stripe-rate-limited-reason']).toBe('global-rate');
      expect(error.headers?.['request-id']).toMatch(/^req_/);
      // Stripe does not ask the SDK to retry these: backing off is the caller's job.
      expect(error.headers?.['stripe-should-retry']).toBeUndefined();
      expect((await counters()).rateLimited).toBe(refused.length);

      // Writes have a budget of their own, and so does every other key.
      await client().customers.create({ email: 'write-budget@example.com' });
      await client({}, 'sk_test_another_key').customers.list({ limit: 1 });
    });

    it('gives test-mode keys Stripe’s 25 requests per second', async () => {
      await setRealism({ rateLimit: 'stripe' });
      const stripe = client();
      const results = await Promise.allSettled(
        Array.from({ length: 60 }, () => stripe.customers.list({ limit: 1 })),
      );
      const passed = results.filter((result) => result.status === 'fulfilled').length;
      expect(passed).toBeGreaterThanOrEqual(25);
      expect(passed).toBeLessThan(60);
    });
  });

  describe('lock_timeout', () => {
    it('refuses a concurrent write to the same object with 429 lock_timeout, which the SDK retries', async () => {
      const customer = await harness.stripe.customers.create({ email: 'locked@example.com' });
      await setRealism({ locks: { waitMs: 0 }, latency: { fixedMs: 300 } });
      const stripe = client();
      const results = await Promise.allSettled([
        stripe.customers.update(customer.id, { name: 'First' }),
        stripe.customers.update(customer.id, { name: 'Second' }),
      ]);
      const refused = results.filter(
        (result): result is PromiseRejectedResult => result.status === 'rejected',
      );
      expect(refused).toHaveLength(1);
      const error = refused[0].reason as Stripe.errors.StripeError;
      expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect(error).toMatchObject({ statusCode: 429, code: 'lock_timeout' });
      expect(error.message).toMatch(/another API request or Stripe process/);
      expect(error.headers?.['stripe-should-retry']).toBe('true');
      expect((await counters()).lockTimeouts).toBe(1);

      // Writes to other objects do not wait; and the SDK retries a lock_timeout on its own.
      const other = await harness.stripe.customers.create({ email: 'other@example.com' });
      const retrying = client({ maxNetworkRetries: 3 });
      await Promise.all([
        retrying.customers.update(customer.id, { name: 'A' }),
        retrying.customers.update(customer.id, { name: 'B' }),
        retrying.customers.update(other.id, { name: 'C' }),
      ]);
      expect((await counters()).lockTimeouts).toBeGreaterThanOrEqual(2);
    });

    it('lets a queued write through when the lock frees within the wait', async () => {
      const customer = await harness.stripe.customers.create({ email: 'queued@example.com' });
      await setRealism({ locks: { waitMs: 5_000 }, latency: { fixedMs: 100 } });
      const stripe = client();
      await Promise.all([
        stripe.customers.update(customer.id, { metadata: { a: '1' } }),
        stripe.customers.update(customer.id, { metadata: { b: '2' } }),
      ]);
      expect(
        (await harness.stripe.customers.retrieve(customer.id)) as Stripe.Customer,
      ).toMatchObject({ metadata: { a: '1', b: '2' } });
      expect((await counters()).lockTimeouts).toBe(0);
    });
  });

  describe('injected failures', () => {
    it('a 503 before any change is retried by the SDK’s own logic (maxNetworkRetries)', async () => {
      await setRealism({ faults: { rate: 1, kinds: ['503'], phase: 'before' } });
      const error = await client({ maxNetworkRetries: 2 })
        .customers.create({ email: 'never@example.com' })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(error).toMatchObject({ statusCode: 503, type: 'StripeAPIError' });
      // The first attempt and two retries, each refused before doing anything.
      expect((await counters()).faults['503']).toBe(3);
      expect((await counters()).byEndpoint['POST /v1/customers']).toBe(3);
      await setRealism({ faults: null });
      expect(await customersWithEmail('never@example.com')).toEqual([]);

      await setRealism({ faults: { rate: 0, next: 1, kinds: ['503'], phase: 'before' } });
      const created = await client({ maxNetworkRetries: 2 }).customers.create({
        email: 'second-try@example.com',
      });
      expect(created.email).toBe('second-try@example.com');
      expect(await customersWithEmail('second-try@example.com')).toHaveLength(1);
    });

    it('a 500 after the change: the idempotent retry gets the stored answer, with no double effect', async () => {
      await setRealism({ faults: { next: 1, kinds: ['500'], phase: 'after' } });
      const created = await client({ maxNetworkRetries: 2 }).customers.create({
        email: 'once@example.com',
      });
      expect(created.lastResponse.headers['idempotent-replayed']).toBe('true');
      expect(await customersWithEmail('once@example.com')).toEqual([
        expect.objectContaining({ id: created.id }),
      ]);
      const seen = await counters();
      expect(seen.faults['500']).toBe(1);
      expect(seen.idempotentReplays).toBe(1);
    });

    it('a request without an idempotency key (a DELETE) gets its fault before doing anything', async () => {
      const customer = await harness.stripe.customers.create({ email: 'deleted@example.com' });
      await setRealism({ faults: { next: 1, kinds: ['500'], phase: 'after' } });
      const deleted = await client({ maxNetworkRetries: 1 }).customers.del(customer.id);
      expect(deleted).toMatchObject({ id: customer.id, deleted: true });
      expect((await counters()).faults['500']).toBe(1);
    });

    it('a connection reset after the change is recovered by the idempotent retry', async () => {
      await setRealism({ faults: { next: 1, kinds: ['reset'], phase: 'after' } });
      const created = await client({ maxNetworkRetries: 1 }).customers.create({
        email: 'reset@example.com',
      });
      expect(await customersWithEmail('reset@example.com')).toEqual([
        expect.objectContaining({ id: created.id }),
      ]);
      expect((await counters()).faults.reset).toBe(1);

      // Without a retry the client sees the connection error. (The SDK retries a closed
      // connection once even with retries off, so the retry is reset too.)
      await setRealism({ faults: { next: 2, kinds: ['reset'], phase: 'before' } });
      const error = await client({ maxNetworkRetries: 0 })
        .customers.retrieve(created.id)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    });

    it('a timeout after the change is recovered by the idempotent retry', async () => {
      await setRealism({
        faults: { next: 1, kinds: ['timeout'], phase: 'after', timeoutMs: 10_000 },
      });
      const started = performance.now();
      const created = await client({ maxNetworkRetries: 1, timeout: 400 }).customers.create({
        email: 'timeout@example.com',
      });
      expect(performance.now() - started).toBeGreaterThanOrEqual(400);
      expect(created.lastResponse.headers['idempotent-replayed']).toBe('true');
      expect(await customersWithEmail('timeout@example.com')).toHaveLength(1);
      expect((await counters()).faults.timeout).toBe(1);
    });

    it('a retry that arrives while the first request still runs gets 409, and then the answer', async () => {
      await setRealism({ latency: { fixedMs: 400 } });
      const stripe = client();
      const first = stripe.customers.create(
        { email: 'in-flight@example.com' },
        { idempotencyKey: 'in-flight-key' },
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      const second = await stripe.customers
        .create({ email: 'in-flight@example.com' }, { idempotencyKey: 'in-flight-key' })
        .catch((caught: unknown) => caught);
      expect(second).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(second).toMatchObject({
        statusCode: 409,
        code: 'idempotency_key_in_use',
        raw: expect.objectContaining({ type: 'idempotency_error' }),
      });
      const created = await first;
      const third = await stripe.customers.create(
        { email: 'in-flight@example.com' },
        { idempotencyKey: 'in-flight-key' },
      );
      expect(third.id).toBe(created.id);
    });

    it('refuses unknown settings', async () => {
      const bad = await harness.control('realism', { faults: { rate: 2 } });
      expect(bad.status).toBe(400);
      const unknown = await harness.control('realism', { jitter: 1 });
      expect(unknown.status).toBe(400);
      const kinds = await harness.control('realism', { faults: { rate: 0.1, kinds: ['418'] } });
      expect(kinds.status).toBe(400);
    });
  });

  describe('counters', () => {
    it('count requests per endpoint and key, and reset', async () => {
      await harness.control('counters/reset', {});
      const stripe = client();
      const customer = await stripe.customers.create({ email: 'counted@example.com' });
      await stripe.customers.retrieve(customer.id);
      await stripe.customers.retrieve(customer.id);
      await harness.stripe.products.list();
      const all = (await harness.control<Record<string, unknown>>('counters', undefined, 'GET'))
        .body;
      expect(all).toMatchObject({
        total: 4,
        byEndpoint: {
          'POST /v1/customers': 1,
          'GET /v1/customers/:id': 2,
          'GET /v1/products': 1,
        },
        byKey: {
          'sk_test_…lism': { total: 3 },
          'sk_test_…ator': { total: 1 },
        },
      });
      expect(JSON.stringify(all)).not.toContain('sk_test_realism');
      const mine = await counters();
      expect(mine).toMatchObject({ total: 3, rateLimited: 0 });
      const reset = await harness.control<{ total: number }>('counters/reset', {});
      expect(reset.body.total).toBe(4);
      expect((await counters()).total).toBe(0);
    });

    it('a reset of the emulator brings the switches back to how it started', async () => {
      await setRealism({ latency: { fixedMs: 10 }, rateLimit: 5 });
      await harness.control('reset', {});
      expect((await harness.control('realism', undefined, 'GET')).body).toEqual({
        latency: null,
        rateLimit: null,
        locks: null,
        faults: null,
      });
    });
  });
});

describe('webhook delivery realism', () => {
  let harness: Harness;
  let receiver: WebhookReceiver;
  let emulator: RunningEmulator;

  beforeEach(async () => {
    harness = await startHarness();
    emulator = harness.emulator;
    receiver = await new WebhookReceiver().start();
    await harness.stripe.webhookEndpoints.create({
      url: `${receiver.url}/hook`,
      enabled_events: ['*'],
    });
  });
  afterEach(async () => {
    await harness.close();
    await receiver.close();
  });

  it('delays deliveries by at least the delay, with jitter', async () => {
    await harness.control('webhooks/options', { delayMs: 200, jitterMs: 100, concurrency: 4 });
    const sent: number[] = [];
    for (let index = 0; index < 4; index += 1) {
      sent.push(Date.now());
      await harness.stripe.customers.create({ email: `delayed-${index}@example.com` });
    }
    await emulator.flushWebhooks();
    expect(receiver.received).toHaveLength(4);
    for (const delivery of receiver.received) {
      const index = Number(/delayed-(\d)/.exec(JSON.stringify(delivery.event.data.object))?.[1]);
      expect(delivery.at - sent[index]).toBeGreaterThanOrEqual(200);
    }
  });

  it("retries on Stripe's schedule, on the emulated clock: advancing it brings a retry due", async () => {
    receiver.respond = (_delivery, index) => (index === 0 ? 500 : 200);
    await harness.control('webhooks/options', { retrySchedule: 'stripe-test' });
    await harness.stripe.customers.create({ email: 'retried@example.com' });
    await emulator.flushWebhooks();
    expect(receiver.received).toHaveLength(1);
    // Not due yet 14 minutes on; due at 15.
    await harness.control('clock/advance', { seconds: 14 * 60 });
    await emulator.flushWebhooks();
    expect(receiver.received).toHaveLength(1);
    await harness.control('clock/advance', { seconds: 60 });
    while (receiver.received.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    await emulator.flushWebhooks();
    const attempts = await harness.control<{ data: { attempt: number; statusCode: number }[] }>(
      'deliveries',
      undefined,
      'GET',
    );
    expect(attempts.body.data.map(({ attempt, statusCode }) => [attempt, statusCode])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    const event = (await harness.stripe.events.list({ type: 'customer.created', limit: 1 }))
      .data[0];
    expect(event.pending_webhooks).toBe(0);
  });

  it('gives up after the last retry of the schedule', async () => {
    receiver.respond = () => 500;
    await harness.control('webhooks/options', { retrySchedule: 'stripe-test' });
    await harness.stripe.customers.create({ email: 'given-up@example.com' });
    for (const seconds of [15 * 60, 60 * 60, 3 * 60 * 60, 24 * 60 * 60]) {
      const before = receiver.received.length;
      await harness.control('clock/advance', { seconds });
      if (before < 4)
        while (receiver.received.length === before)
          await new Promise((resolve) => setTimeout(resolve, 10));
      await emulator.flushWebhooks();
    }
    expect(receiver.received).toHaveLength(4);
  });
});
