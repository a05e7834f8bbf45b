import type Stripe from 'stripe';
import { BillingSync } from '../../src/sync';
import { control } from './emulator-control';
import type { TestService } from './test-service';
import { bearer, newUser, signToken } from './tokens';

const DAY = 86_400;

/** Byte order, the same on both sides of a comparison (database collations differ). */
export const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface LifecycleAccount {
  accountId: string;
  customerId: string;
}

/**
 * Real lifecycles run by the emulator with deliveries switched off, whose recorded events a test
 * then delivers itself: A — trial, renewal, upgrade to yearly with prorations, cancel at period
 * end, a credits purchase and its refund; B — a card that attaches but fails every later charge
 * (past_due, retries, canceled). Catalog events are left out.
 */
export async function recordLifecycles(
  t: TestService,
  stripe: Stripe,
): Promise<{ events: Stripe.Event[]; accounts: LifecycleAccount[]; statusB: string }> {
  const accountFor = async (): Promise<{ accountId: string; email: string }> => {
    const user = newUser('ordering');
    await t.http
      .get('/api/subscriptions/current')
      .set(bearer(signToken(user)))
      .expect(200);
    const account = await t.prisma.account.findFirstOrThrow({ where: { externalId: user.sub } });
    return { accountId: account.id, email: user.email };
  };
  const checkout = async (
    accountId: string,
    params: Partial<Stripe.Checkout.SessionCreateParams>,
    card: string,
  ): Promise<Stripe.Checkout.Session> => {
    const session = await stripe.checkout.sessions.create({
      client_reference_id: accountId,
      metadata: { accountId },
      success_url: 'http://localhost:5173/ok?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'http://localhost:5173/cancel',
      ...params,
    });
    await control(t.service, `/checkout/sessions/${session.id}/complete`, { card });
    return stripe.checkout.sessions.retrieve(session.id);
  };

  const { created: startedAt } = (await stripe.events.list({ limit: 1 })).data[0];
  await control(t.service, '/webhooks/options', { enabled: false });
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

  let events: Stripe.Event[] = [];
  for await (const event of stripe.events.list({ created: { gte: startedAt }, limit: 100 }))
    events.push(event);
  events = events.filter((e) => !e.type.startsWith('product.') && !e.type.startsWith('price.'));
  const statusB = (await stripe.subscriptions.retrieve(subB.subscription as string)).status;
  return {
    events,
    accounts: [
      { accountId: a.accountId, customerId: customerA },
      { accountId: b.accountId, customerId: subB.customer as string },
    ],
    statusB,
  };
}

/** The test's own rows (and the engine's memory of them), emptied so a run starts from nothing. */
export async function forgetLifecycles(
  t: TestService,
  accounts: LifecycleAccount[],
  events: Stripe.Event[],
): Promise<void> {
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
  // The engine's watermarks and its memory of recent events belong to that state too. (An
  // `invoice.upcoming` event carries a preview with no id, as at Stripe.)
  const objectIds = events
    .map((e) => (e.data.object as { id?: string }).id)
    .filter((id): id is string => id !== undefined);
  await t.prisma.stripeObjectWatermark.deleteMany({ where: { stripeId: { in: objectIds } } });
  t.service.app.get(BillingSync).forgetRecentEvents();
}

/** What Stripe says, in the shape of what the database stores. */
export async function stripeState(stripe: Stripe, customerId: string) {
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

export async function databaseState(t: TestService, accountId: string) {
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

/** Duplicates at random places of the stream, placed by a seeded generator. */
export function withDuplicates<T>(permutation: T[], duplicates: T[], seed: number): T[] {
  const stream = [...permutation];
  let state = seed;
  for (const duplicate of duplicates) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    stream.splice(state % (stream.length + 1), 0, duplicate);
  }
  return stream;
}
