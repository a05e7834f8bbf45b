import Stripe from 'stripe';
import { SqlClient } from '../../src/database/sql-client';
import { gateRefusalOf } from '../../src/stripe/budgeted-http-client';
import { withStripePurpose } from '../../src/stripe/stripe-call-context';
import { RUNTIME_WEBHOOK_SECRETS, STRIPE_CLIENT } from '../../src/stripe/stripe.module';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { subscribeThroughStripe } from '../support/flows';
import { StripeFaultProxy } from '../support/stripe-fault-proxy';
import { startTestService, type TestService } from '../support/test-service';

/** The service's counter from /metrics, summed over its labels. */
async function counter(t: TestService, name: string): Promise<number> {
  const text = (await t.http.get('/metrics').expect(200)).text;
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/**
 * The one way to Stripe: every SDK call is refused inside a database transaction, passes the
 * shared token bucket (user-facing calls first), and a 429 from Stripe is backed off and retried
 * without the caller seeing it.
 */
describe('the Stripe gate', () => {
  let t: TestService;
  let service: Stripe;
  let proxy: StripeFaultProxy | undefined;

  beforeAll(async () => {
    t = await startTestService(
      {
        // One token a second, four at most, a quarter kept for user-facing calls.
        STRIPE_RATE_LIMIT: '1',
        STRIPE_RATE_BURST: '4',
        STRIPE_USER_RESERVE_PERCENT: '25',
        STRIPE_EVENT_FETCH_MAX_WAIT_MS: '0',
        SYNC_ON_START: 'false',
      },
      {
        connectVia: async (emulator) => {
          proxy = new StripeFaultProxy(emulator);
          return proxy.start();
        },
      },
    );
    service = t.service.app.get<Stripe>(STRIPE_CLIENT);
    await flushWebhooks(t.service);
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
  });

  /** Waits until the bucket is full again (one token a second). */
  const refill = () => new Promise((resolve) => setTimeout(resolve, 4_200));

  it('refuses a Stripe call made inside a transaction, and counts it', async () => {
    const db = t.service.app.get(SqlClient);
    await refill();
    const refused = await db
      .transaction('test:stripe-in-transaction', () => service.products.list({ limit: 1 }))
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(gateRefusalOf(refused)).toBe('in-transaction');
    expect((refused as Error).message).toMatch(/inside the database transaction/);
    expect(await counter(t, 'billing_stripe_calls_in_transaction_total')).toBe(1);
    // The same call outside the transaction goes through.
    await expect(service.products.list({ limit: 1 })).resolves.toMatchObject({ object: 'list' });
  });

  it('serves user-facing calls from a reserve that background calls cannot spend', async () => {
    await refill();
    const background = () =>
      withStripePurpose('event-fetch', () => service.products.list({ limit: 1 }), {
        maxWaitMs: 0,
      });
    // Four tokens, one kept for users: background calls get three, then are refused.
    await background();
    await background();
    await background();
    const refused = await background().then(
      () => null,
      (error: unknown) => error,
    );
    expect(gateRefusalOf(refused)).toBe('budget-exhausted');
    expect(refused).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    // The user-facing call still finds its token.
    await expect(service.products.list({ limit: 1 })).resolves.toMatchObject({ object: 'list' });
    expect(await counter(t, 'billing_stripe_budget_exhausted_total')).toBeGreaterThanOrEqual(1);
  });

  it('backs off and retries a 429, so the caller never sees it', async () => {
    await refill();
    const before = await counter(t, 'billing_stripe_rate_limited_total');
    proxy!.rateLimitNext = 2;
    await expect(service.products.list({ limit: 1 })).resolves.toMatchObject({ object: 'list' });
    expect((await counter(t, 'billing_stripe_rate_limited_total')) - before).toBe(2);
  });

  it('defers (503, Retry-After) an event that needs Stripe while the budget is spent', async () => {
    await refill();
    const stripe = emulatorStripe(t.service);
    await control(t.service, '/webhooks/options', { enabled: false });
    let subscribed;
    try {
      subscribed = await subscribeThroughStripe(t);
    } finally {
      await control(t.service, '/webhooks/options', { enabled: true });
    }
    const [event] = (await stripe.events.list({ type: 'checkout.session.completed', limit: 1 }))
      .data;
    expect((event.data.object as { id: string }).id).toBe(subscribed.sessionId);
    // Spend what background calls may use.
    for (let i = 0; i < 4; i++)
      await withStripePurpose('resync', () => service.products.list({ limit: 1 }), {
        maxWaitMs: 0,
      }).catch(() => undefined);
    const secrets = t.service.app.get<string[]>(RUNTIME_WEBHOOK_SECRETS);
    const payload = JSON.stringify(event);
    const res = await t.http
      .post('/api/webhooks/stripe')
      .set('Content-Type', 'application/json')
      .set(
        'Stripe-Signature',
        Stripe.webhooks.generateTestHeaderString({ payload, secret: secrets[secrets.length - 1] }),
      )
      .send(payload)
      .expect(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(res.body).toMatchObject({ success: false, error_code: 'WEBHOOK_DEFERRED' });
    // Deferred is not failed: nothing is recorded, and Stripe's retry applies it.
    expect(await t.prisma.webhookEvent.count({ where: { stripeEventId: event.id } })).toBe(0);
    await refill();
    await t.http
      .post('/api/webhooks/stripe')
      .set('Content-Type', 'application/json')
      .set(
        'Stripe-Signature',
        Stripe.webhooks.generateTestHeaderString({ payload, secret: secrets[secrets.length - 1] }),
      )
      .send(payload)
      .expect(200);
    expect(
      await t.prisma.checkoutSession.findUniqueOrThrow({
        where: { stripeId: subscribed.sessionId },
      }),
    ).toMatchObject({ status: 'complete' });
  });
});
