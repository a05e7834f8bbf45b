import { readFileSync } from 'node:fs';
import Stripe from 'stripe';
import type { DeliveryAttempt } from '../src';
import { SANDBOX_CATALOG, WebhookReceiver, startHarness, type Harness } from './support/harness';

describe('webhook delivery', () => {
  let harness: Harness;
  let stripe: Stripe;
  let receiver: WebhookReceiver;

  async function register(
    events: string[] = ['*'],
  ): Promise<Stripe.WebhookEndpoint & { secret: string }> {
    const endpoint = await stripe.webhookEndpoints.create({
      url: `${receiver.url}/webhooks/stripe`,
      enabled_events: events as Stripe.WebhookEndpointCreateParams.EnabledEvent[],
    });
    return endpoint as Stripe.WebhookEndpoint & { secret: string };
  }

  async function flush(): Promise<void> {
    expect((await harness.control('webhooks/flush')).status).toBe(200);
  }

  beforeEach(async () => {
    harness = await startHarness({ webhookRetryDelaysMs: [50, 1100] });
    stripe = harness.stripe;
    receiver = await new WebhookReceiver().start();
  });
  afterEach(async () => {
    await harness.close();
    await receiver.close();
  });

  it('signs every delivery so that constructEvent verifies it, and rejects tampering or another secret', async () => {
    const endpoint = await register();
    await stripe.customers.create({ email: 'signed@example.com' });
    await flush();
    expect(receiver.received).toHaveLength(1);
    const delivery = receiver.received[0];
    expect(delivery.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(delivery.headers['user-agent']).toBe('Stripe/1.0 (+https://stripe.com/docs/webhooks)');
    const header = delivery.headers['stripe-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const timestamp = Number(/t=(\d+)/.exec(header)?.[1]);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(5);

    const event = stripe.webhooks.constructEvent(delivery.rawBody, header, endpoint.secret);
    expect(event).toMatchObject({
      type: 'customer.created',
      object: 'event',
      livemode: false,
      api_version: Stripe.API_VERSION,
    });
    expect((event.data.object as Stripe.Customer).email).toBe('signed@example.com');

    const tampered = delivery.rawBody.replace('signed@example.com', 'evil@example.com');
    expect(() => stripe.webhooks.constructEvent(tampered, header, endpoint.secret)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    expect(() => stripe.webhooks.constructEvent(delivery.rawBody, header, 'whsec_another')).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it('signs event timestamps with wall time even when the emulated clock is far ahead', async () => {
    const endpoint = await register();
    await harness.control('clock/advance', { seconds: 90 * 86_400 });
    await stripe.customers.create({ email: 'future@example.com' });
    await flush();
    const delivery = receiver.received[0];
    const event = stripe.webhooks.constructEvent(
      delivery.rawBody,
      delivery.headers['stripe-signature'] as string,
      endpoint.secret,
    );
    expect(event.created).toBeGreaterThan(Date.now() / 1000 + 80 * 86_400);
  });

  it('delivers only the enabled event types', async () => {
    await register(['product.created']);
    await stripe.customers.create({ email: 'ignored@example.com' });
    await stripe.products.create({ name: 'Delivered' });
    await flush();
    expect(receiver.types()).toEqual(['product.created']);
  });

  it('delivers one at a time in event order by default', async () => {
    await register();
    await harness.emulator.seedCatalog(JSON.parse(readFileSync(SANDBOX_CATALOG, 'utf8')));
    await flush();
    const events = await stripe.events.list({ limit: 100 });
    expect(receiver.received.map((delivery) => delivery.event.id)).toEqual(
      events.data.map((event) => event.id).reverse(),
    );
    expect(receiver.types().slice(0, 3)).toEqual([
      'product.created',
      'price.created',
      'product.updated',
    ]);
  });

  it('retries non-2xx answers with backoff, re-signing each attempt, and records every attempt', async () => {
    const endpoint = await register();
    receiver.respond = (_delivery, index) => (index < 2 ? 500 : 200);
    await stripe.customers.create({ email: 'retry@example.com' });
    await flush();
    expect(receiver.received).toHaveLength(3);
    const ids = new Set(receiver.received.map((delivery) => delivery.event.id));
    expect(ids.size).toBe(1);
    const signatures = receiver.received.map(
      (delivery) => delivery.headers['stripe-signature'] as string,
    );
    const timestamps = signatures.map((header) => Number(/t=(\d+)/.exec(header)?.[1]));
    expect(timestamps[2]).toBeGreaterThan(timestamps[0]);
    for (const delivery of receiver.received) {
      expect(() =>
        stripe.webhooks.constructEvent(
          delivery.rawBody,
          delivery.headers['stripe-signature'] as string,
          endpoint.secret,
        ),
      ).not.toThrow();
    }
    expect(receiver.received[1].at - receiver.received[0].at).toBeGreaterThanOrEqual(40);

    const eventId = [...ids][0];
    const attempts = await harness.control<{ data: DeliveryAttempt[] }>(
      `deliveries?event=${eventId}`,
      undefined,
      'GET',
    );
    expect(
      attempts.body.data.map((attempt) => [attempt.attempt, attempt.statusCode, attempt.succeeded]),
    ).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 200, true],
    ]);
    expect(attempts.body.data[2]).toMatchObject({
      endpoint: endpoint.id,
      event: eventId,
      responseBody: '{"received":true}',
    });
    const stored = await stripe.events.retrieve(eventId);
    expect(stored.pending_webhooks).toBe(0);
  });

  it('gives up after the configured retries', async () => {
    await register();
    receiver.respond = () => 503;
    await stripe.customers.create({ email: 'never@example.com' });
    await flush();
    expect(receiver.received).toHaveLength(3);
    const all = await harness.control<{ data: DeliveryAttempt[] }>('deliveries', undefined, 'GET');
    expect(all.body.data.every((attempt) => !attempt.succeeded)).toBe(true);
  });

  it('duplicates deliveries on request', async () => {
    await register();
    await harness.control('webhooks/options', { duplicate: { count: 2 } });
    await stripe.customers.create({ email: 'twice@example.com' });
    await stripe.customers.create({ email: 'twice-too@example.com' });
    await stripe.customers.create({ email: 'once@example.com' });
    await flush();
    const ids = receiver.received.map((delivery) => delivery.event.id);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(3);

    await harness.control('webhooks/options', { duplicate: 1 });
    await stripe.customers.create({ email: 'always@example.com' });
    await flush();
    expect(receiver.received).toHaveLength(7);
  });

  it('reorders deliveries within a window on request', async () => {
    await register();
    const options = await harness.control<{ reorderWindow: number }>('webhooks/options', {
      reorder: 10,
    });
    expect(options.body.reorderWindow).toBe(10);
    for (let i = 0; i < 10; i += 1) await stripe.products.create({ name: `Shuffled ${i}` });
    await flush();
    const events = await stripe.events.list({ limit: 10 });
    const inOrder = events.data.map((event) => event.id).reverse();
    const delivered = receiver.received.map((delivery) => delivery.event.id);
    expect([...delivered].sort()).toEqual([...inOrder].sort());
    expect(delivered).not.toEqual(inOrder);
  });

  it('delivers concurrently when asked', async () => {
    await register();
    await harness.control('webhooks/options', { concurrency: 4 });
    for (let i = 0; i < 8; i += 1) await stripe.products.create({ name: `Parallel ${i}` });
    await flush();
    expect(receiver.received).toHaveLength(8);
  });

  it('pausing delivery misses events for good; re-enabling does not flush them unless asked', async () => {
    await register();
    await harness.control('webhooks/options', { enabled: false });
    const missed = await stripe.customers.create({ email: 'missed@example.com' });
    await flush();
    expect(receiver.received).toHaveLength(0);
    const recorded = await stripe.events.list({ type: 'customer.created' });
    expect((recorded.data[0].data.object as Stripe.Customer).id).toBe(missed.id);

    await harness.control('webhooks/options', { enabled: true });
    await stripe.customers.create({ email: 'after@example.com' });
    await flush();
    expect(
      receiver.received.map((delivery) => (delivery.event.data.object as Stripe.Customer).email),
    ).toEqual(['after@example.com']);

    const redelivered = await harness.control<{ queued: number }>('webhooks/redeliver', {
      events: [recorded.data[0].id],
    });
    expect(redelivered.body.queued).toBe(1);
    await flush();
    expect(
      receiver.received.map((delivery) => (delivery.event.data.object as Stripe.Customer).email),
    ).toEqual(['after@example.com', 'missed@example.com']);
  });

  it('pausing drops deliveries waiting to be retried, so flush still settles', async () => {
    await register();
    receiver.respond = () => 500;
    await stripe.customers.create({ email: 'paused-retry@example.com' });
    while (receiver.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await harness.control('webhooks/options', { enabled: false });
    await flush();
    const count = receiver.received.length;
    await harness.control('webhooks/options', { enabled: true });
    await flush();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(receiver.received.length).toBe(count);
    expect(count).toBeLessThan(3);
  });

  it('sends nothing to disabled or deleted endpoints, and resets everything on request', async () => {
    const endpoint = await register();
    await stripe.webhookEndpoints.update(endpoint.id, { disabled: true });
    await stripe.customers.create({ email: 'disabled@example.com' });
    await flush();
    expect(receiver.received).toHaveLength(0);
    await stripe.webhookEndpoints.del(endpoint.id);

    await register();
    expect((await harness.control('reset', { seed: true })).status).toBe(200);
    expect((await stripe.webhookEndpoints.list()).data).toHaveLength(0);
    expect((await stripe.products.retrieve('prod_pro')).name).toBe('Pro');
    expect((await stripe.customers.list()).data).toHaveLength(0);
  });

  it('a reset drops deliveries in flight and waiting to be retried', async () => {
    await register();
    receiver.respond = () => 500;
    await stripe.customers.create({ email: 'before-reset@example.com' });
    while (receiver.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await harness.control('reset')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received).toHaveLength(1);
    const attempts = await harness.control<{ data: DeliveryAttempt[] }>(
      'deliveries',
      undefined,
      'GET',
    );
    expect(attempts.body.data).toEqual([]);
  });

  it('seeding through the control API emits catalog events to registered endpoints', async () => {
    await register(['product.created', 'price.created']);
    const seeded = await harness.control<{ created: string[] }>('catalog/seed', {});
    expect(seeded.body.created).toContain('price_pro_yearly');
    await flush();
    expect(receiver.types().filter((type) => type === 'product.created')).toHaveLength(4);
    expect(receiver.types().filter((type) => type === 'price.created')).toHaveLength(5);
    const again = await harness.control<{ created: string[] }>('catalog/seed', {});
    expect(again.body.created).toEqual([]);
  });
});
