import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { startEmulator, type RunningEmulator } from '../src';
import { startEmulatorProcess } from './support/emulator-process';
import { DAY, SANDBOX_CATALOG, WebhookReceiver, sdkFor } from './support/harness';

function sdkAt(url: string): Stripe {
  const { port } = new URL(url);
  return new Stripe('sk_test_persistence', {
    host: '127.0.0.1',
    port: Number(port),
    protocol: 'http',
    maxNetworkRetries: 0,
  });
}

async function control<T>(url: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}/_emulator/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.ok).toBe(true);
  return (await response.json()) as T;
}

/** Everything a client can see, to compare before and after a restart. */
async function visibleState(stripe: Stripe): Promise<Record<string, unknown[]>> {
  const all = async <T>(list: AsyncIterable<T>): Promise<T[]> => {
    const items: T[] = [];
    for await (const item of list) items.push(item);
    return items;
  };
  return {
    customers: await all(stripe.customers.list({ limit: 100 })),
    products: await all(stripe.products.list({ limit: 100 })),
    prices: await all(stripe.prices.list({ limit: 100 })),
    subscriptions: await all(stripe.subscriptions.list({ limit: 100, status: 'all' })),
    invoices: await all(stripe.invoices.list({ limit: 100 })),
    charges: await all(stripe.charges.list({ limit: 100 })),
    events: await all(stripe.events.list({ limit: 100 })),
    clocks: await all(stripe.testHelpers.testClocks.list({ limit: 100 })),
    endpoints: await all(stripe.webhookEndpoints.list({ limit: 100 })),
  };
}

describe('persistence across restarts', () => {
  let directory: string;
  const running: RunningEmulator[] = [];

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'emulator-state-'));
  });
  afterEach(async () => {
    for (const emulator of running.splice(0)) await emulator.close();
    rmSync(directory, { recursive: true, force: true });
  });

  async function start(
    options: Parameters<typeof startEmulator>[0] = {},
  ): Promise<RunningEmulator> {
    const emulator = await startEmulator({
      dataDir: directory,
      catalogFile: SANDBOX_CATALOG,
      webhookRetryDelaysMs: [50],
      ...options,
    });
    running.push(emulator);
    return emulator;
  }

  async function restart(emulator: RunningEmulator): Promise<RunningEmulator> {
    running.splice(running.indexOf(emulator), 1);
    await emulator.close();
    return start();
  }

  it('keeps every object, event, clock, endpoint secret, delivery and idempotency record', async () => {
    const receiver = await new WebhookReceiver().start();
    try {
      let emulator = await start();
      expect(emulator.restored).toBe(false);
      let stripe = sdkFor(emulator);
      const endpoint = await stripe.webhookEndpoints.create({
        url: `${receiver.url}/hook`,
        enabled_events: ['*'],
      });
      const clock = await stripe.testHelpers.testClocks.create({
        frozen_time: Math.floor(Date.now() / 1000),
      });
      const customer = await stripe.customers.create(
        { email: 'kept@example.com', test_clock: clock.id },
        { idempotencyKey: 'create-kept' },
      );
      const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
      const subscription = await stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: 'price_pro_monthly' }],
        default_payment_method: card.id,
      });
      await stripe.testHelpers.testClocks.advance(clock.id, {
        frozen_time: clock.frozen_time + 40 * DAY,
      });
      const advanced = await control<{ now: number }>(emulator.url, 'clock/advance', {
        seconds: 10 * DAY,
      });
      await emulator.flushWebhooks();
      const before = await visibleState(stripe);
      const deliveriesBefore = await control<{ data: unknown[] }>(emulator.url, 'deliveries');
      expect(deliveriesBefore.data.length).toBeGreaterThan(10);

      emulator = await restart(emulator);
      expect(emulator.restored).toBe(true);
      stripe = sdkFor(emulator);
      expect(await visibleState(stripe)).toEqual(before);
      // Time went on from where it was, for the global clock and the test clock alike.
      expect(Math.floor(emulator.now().getTime() / 1000)).toBeGreaterThanOrEqual(advanced.now);
      expect((await stripe.testHelpers.testClocks.retrieve(clock.id)).frozen_time).toBe(
        clock.frozen_time + 40 * DAY,
      );
      expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
      expect(await control(emulator.url, 'deliveries')).toEqual(deliveriesBefore);

      // The stored answer replays after the restart.
      const replay = await stripe.customers.create(
        { email: 'kept@example.com', test_clock: clock.id },
        { idempotencyKey: 'create-kept' },
      );
      expect(replay.id).toBe(customer.id);
      expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');

      // The endpoint kept its secret: new deliveries verify with the one shown at creation.
      const received = receiver.received.length;
      await stripe.customers.update(customer.id, { name: 'After Restart' });
      await emulator.flushWebhooks();
      const delivery = receiver.received[received];
      expect(
        stripe.webhooks.constructEvent(
          delivery.rawBody,
          delivery.headers['stripe-signature'] as string,
          endpoint.secret!,
        ).type,
      ).toBe('customer.updated');
    } finally {
      await receiver.close();
    }
  });

  it('resumes deliveries still owed when it stopped: a retry, and a delayed first attempt', async () => {
    const receiver = await new WebhookReceiver().start();
    try {
      receiver.respond = () => 503;
      let emulator = await start({ webhookRetryDelaysMs: [300] });
      let stripe = sdkFor(emulator);
      await stripe.webhookEndpoints.create({ url: `${receiver.url}/hook`, enabled_events: ['*'] });
      await stripe.customers.create({ email: 'owed@example.com' });
      while (receiver.received.length === 0)
        await new Promise((resolve) => setTimeout(resolve, 10));
      // The first attempt failed; the emulator stops before its retry is due.
      await control(emulator.url, 'webhooks/options', { delayMs: 300 });
      await stripe.customers.create({ email: 'delayed@example.com' });
      running.splice(running.indexOf(emulator), 1);
      await emulator.close();
      expect(receiver.types()).toEqual(['customer.created']);

      receiver.respond = () => 200;
      emulator = await start({ webhookRetryDelaysMs: [300] });
      await emulator.flushWebhooks();
      stripe = sdkFor(emulator);
      expect(receiver.types()).toEqual([
        'customer.created',
        'customer.created',
        'customer.created',
      ]);
      expect(receiver.received.map((delivery) => delivery.event.data.object)).toEqual([
        expect.objectContaining({ email: 'owed@example.com' }),
        expect.objectContaining({ email: 'owed@example.com' }),
        expect.objectContaining({ email: 'delayed@example.com' }),
      ]);
      for (const event of (await stripe.events.list({ type: 'customer.created' })).data)
        expect(event.pending_webhooks).toBe(0);
    } finally {
      await receiver.close();
    }
  });

  it('does not reseed a restored account: what was deleted stays deleted', async () => {
    let emulator = await start();
    await sdkFor(emulator).prices.update('price_credits_1000', { active: false });
    emulator = await restart(emulator);
    expect((await sdkFor(emulator).prices.retrieve('price_credits_1000')).active).toBe(false);
  });

  it('folds the journal into a snapshot so the files do not grow forever, and loads it back', async () => {
    let emulator = await start({ compactAfterBytes: 64 * 1024 });
    const stripe = sdkFor(emulator);
    for (let index = 0; index < 60; index += 1)
      await stripe.customers.create({ email: `c${index}@example.com`, metadata: { index } });
    await new Promise((resolve) => setImmediate(resolve));
    const snapshot = join(directory, 'state.snapshot');
    expect(existsSync(snapshot)).toBe(true);
    expect(statSync(join(directory, 'state.journal')).size).toBeLessThan(64 * 1024 + 16 * 1024);
    const before = await visibleState(stripe);
    emulator = await restart(emulator);
    expect(await visibleState(sdkFor(emulator))).toEqual(before);
  });

  it('refuses a data folder another emulator is using', async () => {
    await start();
    await expect(start()).rejects.toThrow(/already open/);
    const other = await startEmulatorProcess([
      '--port',
      '0',
      '--no-seed',
      '--data-dir',
      join(directory, 'b'),
    ]);
    try {
      await expect(startEmulator({ dataDir: join(directory, 'b') })).rejects.toThrow(
        /in use by another process \(pid \d+\)/,
      );
    } finally {
      await other.stop();
    }
  });

  describe('as a real process', () => {
    it('keeps every answered request through SIGKILL, and everything through SIGTERM', async () => {
      const args = ['--port', '0', '--data-dir', directory];
      let service = await startEmulatorProcess(args);
      let stripe = sdkAt(service.url);
      await control(service.url, 'clock/advance', { seconds: 3 * DAY });
      // Answers the client saw, in flight together; then the process dies at once.
      const created = await Promise.all(
        Array.from({ length: 25 }, (_, index) =>
          stripe.customers.create({ email: `killed-${index}@example.com` }),
        ),
      );
      expect(await service.kill()).toBe('SIGKILL');

      service = await startEmulatorProcess(args);
      stripe = sdkAt(service.url);
      for (const customer of created)
        expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
          email: customer.email,
        });
      const clock = await control<{ now: number; realNow: number }>(service.url, 'clock');
      expect(clock.now - clock.realNow).toBeGreaterThanOrEqual(3 * DAY);
      expect(service.output.join('\n')).toContain('(restored)');

      const before = await visibleState(stripe);
      expect(await service.stop()).toBe(0);
      service = await startEmulatorProcess(args);
      try {
        expect(await visibleState(sdkAt(service.url))).toEqual(before);
      } finally {
        await service.stop();
      }
    });

    it('drops a commit that was only partly written when the process died', async () => {
      const args = ['--port', '0', '--no-seed', '--data-dir', directory];
      let service = await startEmulatorProcess(args);
      const kept = await sdkAt(service.url).customers.create({ email: 'whole@example.com' });
      await service.kill();
      const journal = join(directory, 'state.journal');
      appendFileSync(journal, '{"c":[["customers","cus_torn",{"id":"cus_to');
      service = await startEmulatorProcess(args);
      try {
        const stripe = sdkAt(service.url);
        expect((await stripe.customers.list()).data.map((customer) => customer.id)).toEqual([
          kept.id,
        ]);
        // Later commits append after the last whole line.
        await stripe.customers.create({ email: 'next@example.com' });
        expect(readFileSync(journal, 'utf8')).not.toContain('cus_to');
      } finally {
        await service.stop();
      }
    });
  });
});
