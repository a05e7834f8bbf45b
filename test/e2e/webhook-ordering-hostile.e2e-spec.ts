import fc from 'fast-check';
import Stripe from 'stripe';
import { RUNTIME_WEBHOOK_SECRETS } from '../../src/stripe/stripe.module';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import {
  databaseState,
  forgetLifecycles,
  recordLifecycles,
  stripeState,
  withDuplicates,
  type LifecycleAccount,
} from '../support/lifecycles';
import { StripeFaultProxy } from '../support/stripe-fault-proxy';
import { startTestService, type TestService } from '../support/test-service';

const RATE = 40;

/** The service's counters from /metrics, summed by one label. */
function counters(metrics: string, name: string, label?: string): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const key =
      label === undefined ? 'all' : (new RegExp(`${label}="([^"]*)"`).exec(line)?.[1] ?? 'all');
    totals[key] = (totals[key] ?? 0) + value;
  }
  return totals;
}

/** A thin payload: only what names the object (its id, kind and customer). */
function thin(event: Stripe.Event): Stripe.Event {
  const object = event.data.object as { id: string; object: string; customer?: unknown };
  const slim = {
    id: object.id,
    object: object.object,
    ...(object.customer !== undefined ? { customer: object.customer } : {}),
  };
  return { ...event, data: { object: slim } } as unknown as Stripe.Event;
}

/**
 * The same property against a hostile Stripe and an imperfect world: same-second ties (the
 * lifecycles are full of them), thin payloads that must be fetched, this service's clock a few
 * seconds off the emulator's either way, Stripe answering 429 to a share of requests, and Stripe
 * cut off for a stretch of the stream (deliveries that fail are retried, as Stripe does). The
 * database still ends equal to Stripe's state, every event applied once, and the service's
 * Stripe calls are counted and stay within the budget.
 */
describe('webhook events converge on Stripe state against a hostile Stripe', () => {
  let t: TestService;
  let stripe: Stripe;
  let secret: string;
  let proxy: StripeFaultProxy | undefined;
  const clockOffset = { ms: 0 };
  let events: Stripe.Event[] = [];
  const accounts: LifecycleAccount[] = [];

  beforeAll(async () => {
    t = await startTestService(
      {
        STRIPE_MAX_NETWORK_RETRIES: '0',
        STRIPE_TIMEOUT_MS: '2000',
        STRIPE_RATE_LIMIT: String(RATE),
        STRIPE_RATE_BURST: String(RATE),
      },
      {
        clockOffset,
        connectVia: async (emulator) => {
          proxy = new StripeFaultProxy(emulator);
          return proxy.start();
        },
      },
    );
    stripe = emulatorStripe(t.service);
    const secrets = t.service.app.get<string[]>(RUNTIME_WEBHOOK_SECRETS);
    secret = secrets[secrets.length - 1];
    await flushWebhooks(t.service);
    const recorded = await recordLifecycles(t, stripe);
    events = recorded.events;
    accounts.push(...recorded.accounts);
    expect(recorded.statusB).toBe('canceled');
  });

  afterAll(async () => {
    await control(t.service, '/webhooks/options', { enabled: true }).catch(() => undefined);
    await t?.close();
    await proxy?.close();
  });

  const post = (event: Stripe.Event) => {
    const payload = JSON.stringify(event);
    return t.http
      .post('/api/webhooks/stripe')
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', Stripe.webhooks.generateTestHeaderString({ payload, secret }))
      .send(payload);
  };

  /** 8 at a time; a delivery answered 500 or 503 is sent again later, as Stripe retries. */
  async function deliver(
    stream: Stripe.Event[],
    outage: { from: number; to: number },
  ): Promise<{ retried: number; failures: number[] }> {
    const queue = stream.map((event) => ({ event, attempts: 0 }));
    const failures: number[] = [];
    let retried = 0;
    for (let i = 0; i < queue.length;) {
      proxy!.down = i >= outage.from && i < outage.to;
      const batch = queue.slice(i, i + 8);
      i += batch.length;
      const responses = await Promise.all(batch.map(({ event }) => post(event)));
      responses.forEach((response, index) => {
        if (response.status === 200) return;
        const item = batch[index];
        expect([500, 503]).toContain(response.status);
        expect(response.body).toMatchObject({ success: false });
        if (item.attempts >= 30) failures.push(response.status);
        else {
          retried += 1;
          queue.push({ event: item.event, attempts: item.attempts + 1 });
        }
      });
    }
    proxy!.down = false;
    return { retried, failures };
  }

  it('holds with ties, thin payloads, clock skew, 429s and an outage', async () => {
    const expected = await Promise.all(accounts.map((a) => stripeState(stripe, a.customerId)));
    const indices = events.map((_, i) => i);
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(indices, { minLength: indices.length, maxLength: indices.length }),
        fc.subarray(indices, { maxLength: Math.ceil(indices.length * 0.3) }),
        fc.subarray(indices, { maxLength: Math.ceil(indices.length * 0.3) }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: -3000, max: 3000 }),
        fc.double({ min: 0.05, max: 0.3, noNaN: true }),
        fc.nat({ max: indices.length }),
        async (order, duplicateIndices, thinIndices, seed, skewMs, rateLimitShare, outageAt) => {
          await forgetLifecycles(t, accounts, events);
          clockOffset.ms = skewMs;
          proxy!.rateLimitShare = rateLimitShare;
          // The share is random: a run that needs few Stripe calls could meet no 429 at all. The
          // first call of every run is answered 429, so that every run has one.
          proxy!.rateLimitNext = 1;
          const thinned = new Set(thinIndices);
          const shape = (i: number) => (thinned.has(i) ? thin(events[i]) : events[i]);
          const stream = withDuplicates(order.map(shape), duplicateIndices.map(shape), seed);
          const before = proxy!.forwarded + proxy!.rateLimited;
          const started = Date.now();
          const { failures } = await deliver(stream, {
            from: outageAt,
            to: outageAt + 24,
          });
          const seconds = (Date.now() - started) / 1000;
          expect(failures).toEqual([]);

          for (const [index, account] of accounts.entries())
            expect(await databaseState(t, account.accountId)).toEqual(expected[index]);
          const [a, b] = accounts;
          const purchases = await t.prisma.purchase.findMany({ where: { accountId: a.accountId } });
          expect(purchases.map((p) => p.status)).toEqual(['REFUNDED']);
          expect(
            await t.prisma.payment.count({
              where: { accountId: a.accountId, type: 'REFUND', status: 'REFUNDED' },
            }),
          ).toBe(1);
          expect(
            await t.prisma.payment.count({
              where: { accountId: b.accountId, status: 'CANCELLED' },
            }),
          ).toBe(1);
          const ledger = await t.prisma.webhookEvent.groupBy({
            by: ['status'],
            where: { stripeEventId: { in: events.map((e) => e.id) } },
            _count: true,
          });
          expect(ledger.reduce((n, row) => n + row._count, 0)).toBe(events.length);
          expect(ledger.find((row) => row.status === 'FAILED')).toBeUndefined();

          // Every request the service sent Stripe passed the shared budget.
          const requests = proxy!.forwarded + proxy!.rateLimited - before;
          expect(requests).toBeLessThanOrEqual(RATE + RATE * seconds + 1);
        },
      ),
      { numRuns: 6 },
    );

    const metrics = (await t.http.get('/metrics').expect(200)).text;
    const calls = counters(metrics, 'billing_stripe_calls_total', 'purpose');
    expect(calls['event-fetch']).toBeGreaterThan(0);
    // Every 429 the proxy sent reached the budgeted client, which backed off and retried it.
    expect(counters(metrics, 'billing_stripe_rate_limited_total').all ?? 0).toBe(
      proxy!.rateLimited,
    );
    expect(counters(metrics, 'billing_stripe_calls_in_transaction_total').all ?? 0).toBe(0);
    expect(proxy!.rateLimited).toBeGreaterThan(0);
  }, 600_000);
});
