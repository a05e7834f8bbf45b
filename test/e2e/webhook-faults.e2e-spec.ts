import { Client } from 'pg';
import Stripe from 'stripe';
import { RUNTIME_WEBHOOK_SECRETS } from '../../src/stripe/stripe.module';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { subscribeThroughStripe } from '../support/flows';
import { TcpProxy } from '../support/tcp-proxy';
import { HOSTILE_STRIPE, startTestService, type TestService } from '../support/test-service';
import { TEST_ADMIN_KEY } from '../support/tokens';

/**
 * Failures in the middle of applying an event: the transaction rolls back, the ledger keeps the
 * failure, the answer is 500 so Stripe retries — and the retry converges.
 */
describe('webhook faults', () => {
  let t: TestService;
  let stripe: Stripe;
  let secret: string;
  let proxy: TcpProxy | undefined;

  beforeAll(async () => {
    t = await startTestService(
      // The emulator's clock is the service's: no skew to allow for.
      { STRIPE_MAX_NETWORK_RETRIES: '0', STRIPE_TIMEOUT_MS: '2000', SYNC_CLOCK_SKEW_SECONDS: '0' },
      {
        databaseOptions: '-c lock_timeout=300',
        connectVia: async (emulator) => {
          proxy = new TcpProxy(emulator);
          return proxy.start();
        },
      },
    );
    stripe = emulatorStripe(t.service);
    const secrets = t.service.app.get<string[]>(RUNTIME_WEBHOOK_SECRETS);
    secret = secrets[secrets.length - 1];
    await flushWebhooks(t.service);
  });
  afterAll(async () => {
    await control(t.service, '/webhooks/options', { enabled: true }).catch(() => undefined);
    await t?.close();
    await proxy?.close();
  });

  /** Makes a change in Stripe whose webhook the test will deliver itself. */
  async function undeliveredUpdate(subscriptionId: string): Promise<Stripe.Event> {
    await control(t.service, '/webhooks/options', { enabled: false });
    try {
      await stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true });
      const { data } = await stripe.events.list({
        type: 'customer.subscription.updated',
        limit: 1,
      });
      return data[0];
    } finally {
      await control(t.service, '/webhooks/options', { enabled: true });
    }
  }

  const deliver = (event: Stripe.Event) => {
    const payload = JSON.stringify(event);
    return t.http
      .post('/api/webhooks/stripe')
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', Stripe.webhooks.generateTestHeaderString({ payload, secret }))
      .send(payload);
  };

  /**
   * Delivers as Stripe does: a 500 is delivered again. Against the hostile emulator (1 % of calls
   * fail, and this service has no SDK retries here) a fetch the event needs may fail, and the
   * answer is then a 500 that says so; the default run expects the first answer to be final.
   */
  const deliverAsStripe = async (event: Stripe.Event) => {
    let answer = await deliver(event);
    for (let attempt = 1; HOSTILE_STRIPE && answer.status === 500 && attempt < 4; attempt += 1) {
      expect(answer.body).toMatchObject({ error_code: 'WEBHOOK_PROCESSING_FAILED' });
      answer = await deliver(event);
    }
    expect(answer.status).toBe(200);
    return answer;
  };

  it('rolls back when the database fails mid-transaction, records the failure, and succeeds on retry', async () => {
    const a = await subscribeThroughStripe(t);
    const event = await undeliveredUpdate(a.subscriptionId);
    const paymentsBefore = await t.prisma.payment.count({ where: { accountId: a.accountId } });

    const blocker = new Client({ connectionString: t.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE "Subscription" IN ACCESS EXCLUSIVE MODE');
      const failed = await deliver(event).expect(500);
      expect(failed.body).toMatchObject({
        success: false,
        error_code: 'WEBHOOK_PROCESSING_FAILED',
      });
      expect(JSON.stringify(failed.body)).not.toMatch(/lock|Subscription|at \w+ \(/);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }

    const ledger = await t.prisma.webhookEvent.findUniqueOrThrow({
      where: { stripeEventId: event.id },
    });
    expect(ledger).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(ledger.lastError).toMatch(/lock/i);
    const untouched = await t.prisma.subscription.findUniqueOrThrow({
      where: { stripeId: a.subscriptionId },
    });
    expect(untouched.cancelAtPeriodEnd).toBe(false);
    expect(await t.prisma.payment.count({ where: { accountId: a.accountId } })).toBe(
      paymentsBefore,
    );
    const failures = await t.http
      .get('/api/admin/webhook-events?status=FAILED')
      .set('X-Admin-Key', TEST_ADMIN_KEY)
      .expect(200);
    expect(failures.body.map((e: { id: string }) => e.id)).toContain(event.id);

    await deliver(event).expect(200, { received: true });
    const retried = await t.prisma.webhookEvent.findUniqueOrThrow({
      where: { stripeEventId: event.id },
    });
    expect(retried).toMatchObject({ status: 'PROCESSED', attempts: 2, lastError: null });
    const applied = await t.prisma.subscription.findUniqueOrThrow({
      where: { stripeId: a.subscriptionId },
    });
    expect(applied.cancelAtPeriodEnd).toBe(true);
  });

  it('answers 500 while Stripe cannot be reached for a fetch the event needs, then applies the retry', async () => {
    // A completed checkout's event carries no line items: applying it needs Stripe.
    await control(t.service, '/webhooks/options', { enabled: false });
    let a;
    try {
      a = await subscribeThroughStripe(t);
    } finally {
      await control(t.service, '/webhooks/options', { enabled: true });
    }
    const [event] = (await stripe.events.list({ type: 'checkout.session.completed', limit: 1 }))
      .data;
    expect((event.data.object as { id: string }).id).toBe(a.sessionId);
    proxy!.down();
    try {
      await deliver(event).expect(500);
    } finally {
      proxy!.restore();
    }
    const ledger = await t.prisma.webhookEvent.findUniqueOrThrow({
      where: { stripeEventId: event.id },
    });
    expect(ledger.status).toBe('FAILED');
    expect(await t.prisma.checkoutSession.count({ where: { stripeId: a.sessionId } })).toBe(0);

    // Stripe retries a 500; the retry's own fetch may meet the hostile emulator's failures too.
    await deliverAsStripe(event);
    expect(
      await t.prisma.checkoutSession.findUniqueOrThrow({ where: { stripeId: a.sessionId } }),
    ).toMatchObject({ status: 'complete', accountId: a.accountId });
    expect(
      (await t.prisma.webhookEvent.findUniqueOrThrow({ where: { stripeEventId: event.id } }))
        .status,
    ).toBe('PROCESSED');
  });

  it('applies an event whose own object is provably the newest state while Stripe is unreachable', async () => {
    const a = await subscribeThroughStripe(t);
    // Two seconds later, so the update is provably newer than any stored state of the checkout.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const event = await undeliveredUpdate(a.subscriptionId);
    proxy!.down();
    try {
      await deliver(event).expect(200);
    } finally {
      proxy!.restore();
    }
    expect(
      (await t.prisma.subscription.findUniqueOrThrow({ where: { stripeId: a.subscriptionId } }))
        .cancelAtPeriodEnd,
    ).toBe(true);
  });

  it('converges when a price arrives before its product, and a subscription before its checkout', async () => {
    await control(t.service, '/webhooks/options', { enabled: false });
    let product: Stripe.Product;
    let price: Stripe.Price;
    try {
      product = await stripe.products.create({ name: 'Team', metadata: { features: 'chat,team' } });
      price = await stripe.prices.create({
        product: product.id,
        unit_amount: 4900,
        currency: 'usd',
        recurring: { interval: 'month' },
      });
    } finally {
      await control(t.service, '/webhooks/options', { enabled: true });
    }
    const [priceEvent] = (await stripe.events.list({ type: 'price.created', limit: 1 })).data;
    await deliverAsStripe(priceEvent);
    const catalog = await t.http.get('/api/catalog/products').expect(200);
    expect(catalog.body.find((p: { id: string }) => p.id === product.id)).toMatchObject({
      name: 'Team',
      features: ['chat', 'team'],
      prices: [expect.objectContaining({ id: price.id, unitAmount: 4900 })],
    });

    // Subscription events first, the checkout completion last.
    await control(t.service, '/webhooks/options', { enabled: false });
    let subscribed;
    try {
      subscribed = await subscribeThroughStripe(t, { price: price.id });
    } finally {
      await control(t.service, '/webhooks/options', { enabled: true });
    }
    const events = (await stripe.events.list({ limit: 100 })).data.filter(
      (e) =>
        (e.data.object as { customer?: string }).customer === subscribed.customerId ||
        (e.data.object as { id: string }).id === subscribed.customerId,
    );
    const completion = events.filter((e) => e.type === 'checkout.session.completed');
    const rest = events.filter((e) => e.type !== 'checkout.session.completed');
    for (const event of rest) await deliverAsStripe(event);
    for (const event of completion) await deliverAsStripe(event);
    const row = await t.prisma.subscription.findUniqueOrThrow({
      where: { stripeId: subscribed.subscriptionId },
    });
    expect(row).toMatchObject({ accountId: subscribed.accountId, priceId: price.id });
  });

  it('records events of a customer no account knows as ignored', async () => {
    await control(t.service, '/webhooks/options', { enabled: false });
    let customer: Stripe.Customer;
    try {
      customer = await stripe.customers.create({ email: 'stranger@example.test' });
      await stripe.customers.update(customer.id, { email: 'still-a-stranger@example.test' });
    } finally {
      await control(t.service, '/webhooks/options', { enabled: true });
    }
    const [update] = (await stripe.events.list({ type: 'customer.updated', limit: 1 })).data;
    await deliver(update).expect(200);
    const row = await t.prisma.webhookEvent.findUniqueOrThrow({
      where: { stripeEventId: update.id },
    });
    expect(row).toMatchObject({
      status: 'IGNORED',
      lastError: 'customer of no account',
      stripeCustomerId: customer.id,
    });
  });
});
