import fc from 'fast-check';
import Stripe from 'stripe';
import { RUNTIME_WEBHOOK_SECRETS } from '../../src/stripe/stripe.module';
import { BillingSync } from '../../src/sync';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { startTestService, type TestService } from '../support/test-service';
import { newUser, signToken, bearer } from '../support/tokens';

const DAY = 86_400;

/** Byte order, the same on both sides of a comparison (database collations differ). */
const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Property: whatever order Stripe's events arrive in, however often, and however many at once,
 * the database ends equal to Stripe's state. The streams are real: the emulator runs whole
 * lifecycles (trial → renewal → plan change → cancel at period end; a one-time purchase and its
 * refund; a failing card → past_due → retries → canceled) with deliveries switched off, and the
 * test then delivers the recorded events itself, shuffled and duplicated, 8 at a time.
 */
describe('webhook events in any order converge on Stripe state', () => {
  let t: TestService;
  let stripe: Stripe;
  let secret: string;
  let events: Stripe.Event[] = [];
  const accounts: { accountId: string; customerId: string }[] = [];

  async function accountFor(): Promise<{ accountId: string; email: string }> {
    const user = newUser('ordering');
    await t.http
      .get('/api/subscriptions/current')
      .set(bearer(signToken(user)))
      .expect(200);
    const account = await t.prisma.account.findFirstOrThrow({ where: { externalId: user.sub } });
    return { accountId: account.id, email: user.email };
  }

  async function checkout(
    accountId: string,
    params: Partial<Stripe.Checkout.SessionCreateParams>,
    card: string,
  ): Promise<Stripe.Checkout.Session> {
    const session = await stripe.checkout.sessions.create({
      client_reference_id: accountId,
      metadata: { accountId },
      success_url: 'http://localhost:5173/ok?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'http://localhost:5173/cancel',
      ...params,
    });
    await control(t.service, `/checkout/sessions/${session.id}/complete`, { card });
    return stripe.checkout.sessions.retrieve(session.id);
  }

  beforeAll(async () => {
    t = await startTestService();
    stripe = emulatorStripe(t.service);
    const secrets = t.service.app.get<string[]>(RUNTIME_WEBHOOK_SECRETS);
    secret = secrets[secrets.length - 1];
    await flushWebhooks(t.service);
    const { created: startedAt } = (await stripe.events.list({ limit: 1 })).data[0];
    await control(t.service, '/webhooks/options', { enabled: false });

    // A: trial, renewal, upgrade to yearly with prorations, cancel at period end; credits + refund.
    const a = await accountFor();
    const subA = await checkout(
      a.accountId,
      {
        mode: 'subscription',
        customer_email: a.email,
        line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
        subscription_data: { trial_period_days: 7, metadata: { accountId: a.accountId } },
      },
      '4242424242424242',
    );
    const customerA = subA.customer as string;
    // B: a card that attaches but fails every later charge.
    const b = await accountFor();
    const subB = await checkout(
      b.accountId,
      {
        mode: 'subscription',
        customer_email: b.email,
        line_items: [{ price: 'price_starter_monthly', quantity: 1 }],
        subscription_data: { trial_period_days: 3, metadata: { accountId: b.accountId } },
      },
      '4000000000000341',
    );
    await control(t.service, '/clock/advance', { seconds: 8 * DAY });
    await control(t.service, '/clock/advance', { seconds: 31 * DAY });
    const subscriptionA = await stripe.subscriptions.retrieve(subA.subscription as string);
    await stripe.subscriptions.update(subscriptionA.id, {
      items: [{ id: subscriptionA.items.data[0].id, price: 'price_pro_yearly' }],
      proration_behavior: 'create_prorations',
    });
    await stripe.subscriptions.update(subscriptionA.id, { cancel_at_period_end: true });
    const credits = await checkout(
      a.accountId,
      {
        mode: 'payment',
        customer: customerA,
        line_items: [{ price: 'price_credits_1000', quantity: 1 }],
      },
      '4242424242424242',
    );
    await stripe.refunds.create({ payment_intent: credits.payment_intent as string });
    await control(t.service, '/clock/advance', { seconds: 20 * DAY });

    for await (const event of stripe.events.list({ created: { gte: startedAt }, limit: 100 }))
      events.push(event);
    events = events.filter((e) => !e.type.startsWith('product.') && !e.type.startsWith('price.'));
    accounts.push(
      { accountId: a.accountId, customerId: customerA },
      { accountId: b.accountId, customerId: subB.customer as string },
    );
    const statusB = (await stripe.subscriptions.retrieve(subB.subscription as string)).status;
    expect(statusB).toBe('canceled');
  });

  afterAll(async () => {
    await control(t.service, '/webhooks/options', { enabled: true }).catch(() => undefined);
    await t?.close();
  });

  /** The test's own rows, emptied between runs so each permutation starts from nothing. */
  async function forget(): Promise<void> {
    const ids = accounts.map((a) => a.accountId);
    await t.prisma.checkoutSession.deleteMany({ where: { accountId: { in: ids } } });
    await t.prisma.purchase.deleteMany({ where: { accountId: { in: ids } } });
    await t.prisma.payment.deleteMany({ where: { accountId: { in: ids } } });
    await t.prisma.subscription.deleteMany({ where: { accountId: { in: ids } } });
    await t.prisma.account.updateMany({
      where: { id: { in: ids } },
      data: { stripeCustomerId: null, hadTrial: false },
    });
    await t.prisma.webhookEvent.deleteMany({
      where: { stripeEventId: { in: events.map((e) => e.id) } },
    });
    // The engine's watermarks and its memory of recent events belong to that state too.
    await t.prisma.stripeObjectWatermark.deleteMany({
      where: { stripeId: { in: events.map((e) => (e.data.object as { id: string }).id) } },
    });
    t.service.app.get(BillingSync).forgetRecentEvents();
  }

  async function deliver(stream: Stripe.Event[]): Promise<void> {
    for (let i = 0; i < stream.length; i += 8) {
      const responses = await Promise.all(
        stream.slice(i, i + 8).map((event) => {
          const payload = JSON.stringify(event);
          return t.http
            .post('/api/webhooks/stripe')
            .set('Content-Type', 'application/json')
            .set('Stripe-Signature', Stripe.webhooks.generateTestHeaderString({ payload, secret }))
            .send(payload);
        }),
      );
      expect(responses.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    }
  }

  /** What Stripe says, in the shape of what the database stores. */
  async function stripeState(customerId: string) {
    const subscriptions = (
      await stripe.subscriptions.list({ customer: customerId, status: 'all' })
    ).data
      .map((s) => ({
        stripeId: s.id,
        status: s.status,
        priceId: s.items.data[0].price.id,
        cancelAtPeriodEnd: s.cancel_at_period_end,
        currentPeriodEnd: new Date(s.items.data[0].current_period_end * 1000).toISOString(),
      }))
      .sort((x, y) => byId(x.stripeId, y.stripeId));
    const invoices = (await stripe.invoices.list({ customer: customerId, limit: 100 })).data
      .filter((i) => i.status !== 'draft')
      .map((i) => ({
        stripeInvoiceId: i.id,
        paid: i.status === 'paid',
        amount: i.status === 'paid' ? i.amount_paid : i.amount_due,
      }))
      .sort((x, y) => byId(String(x.stripeInvoiceId), String(y.stripeInvoiceId)));
    return { subscriptions, invoices };
  }

  async function databaseState(accountId: string) {
    const subscriptions = (
      await t.prisma.subscription.findMany({ where: { accountId }, orderBy: { stripeId: 'asc' } })
    ).map((s) => ({
      stripeId: s.stripeId,
      status: s.status,
      priceId: s.priceId,
      cancelAtPeriodEnd: s.cancelAtPeriodEnd,
      currentPeriodEnd: s.currentPeriodEnd?.toISOString(),
    }));
    subscriptions.sort((x, y) => byId(x.stripeId, y.stripeId));
    const invoices = (
      await t.prisma.payment.findMany({
        where: { accountId, stripeInvoiceId: { not: null } },
        orderBy: { stripeInvoiceId: 'asc' },
      })
    ).map((p) => ({
      stripeInvoiceId: p.stripeInvoiceId,
      paid: p.status === 'COMPLETED',
      amount: p.amount,
    }));
    return { subscriptions, invoices };
  }

  it('holds for shuffled, duplicated, concurrent deliveries', async () => {
    expect(events.length).toBeGreaterThan(20);
    const expected = await Promise.all(accounts.map((a) => stripeState(a.customerId)));
    const indices = events.map((_, i) => i);
    await fc.assert(
      fc.asyncProperty(
        // Indices, not events: a counterexample then reads as a short list of positions.
        fc.shuffledSubarray(indices, { minLength: indices.length, maxLength: indices.length }),
        fc.subarray(indices, { maxLength: Math.ceil(indices.length * 0.3) }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (order, duplicateIndices, seed) => {
          await forget();
          const permutation = order.map((i) => events[i]);
          const duplicates = duplicateIndices.map((i) => events[i]);
          // Duplicates land at random places of the stream.
          const stream = [...permutation];
          let state = seed;
          for (const duplicate of duplicates) {
            state = (state * 1103515245 + 12345) % 2 ** 31;
            stream.splice(state % (stream.length + 1), 0, duplicate);
          }
          await deliver(stream);

          for (const [index, account] of accounts.entries()) {
            expect(await databaseState(account.accountId)).toEqual(expected[index]);
          }
          const [a] = accounts;
          const purchases = await t.prisma.purchase.findMany({ where: { accountId: a.accountId } });
          expect(purchases.map((p) => p.status)).toEqual(['REFUNDED']);
          const refunds = await t.prisma.payment.count({
            where: { accountId: a.accountId, type: 'REFUND', status: 'REFUNDED' },
          });
          expect(refunds).toBe(1);
          const cancelled = await t.prisma.payment.count({
            where: { accountId: accounts[1].accountId, status: 'CANCELLED' },
          });
          expect(cancelled).toBe(1);
          const ledger = await t.prisma.webhookEvent.groupBy({
            by: ['status'],
            where: { stripeEventId: { in: events.map((e) => e.id) } },
            _count: true,
          });
          expect(ledger.reduce((n, row) => n + row._count, 0)).toBe(events.length);
          expect(ledger.find((row) => row.status === 'FAILED')).toBeUndefined();
        },
      ),
      { numRuns: 12 },
    );
  }, 300_000); // twelve full lifecycles delivered under load: minutes on a busy 2-core machine
});
