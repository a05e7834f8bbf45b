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
import { startTestService, type TestService } from '../support/test-service';

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
  const accounts: LifecycleAccount[] = [];

  beforeAll(async () => {
    t = await startTestService();
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
  });

  const forget = (): Promise<void> => forgetLifecycles(t, accounts, events);

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

  it('holds for shuffled, duplicated, concurrent deliveries', async () => {
    expect(events.length).toBeGreaterThan(20);
    const expected = await Promise.all(accounts.map((a) => stripeState(stripe, a.customerId)));
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
          const stream = withDuplicates(permutation, duplicates, seed);
          await deliver(stream);

          for (const [index, account] of accounts.entries()) {
            expect(await databaseState(t, account.accountId)).toEqual(expected[index]);
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
