import type { Client } from 'pg';
import type Stripe from 'stripe';
import { byId, type LifecycleAccount } from './lifecycles';
import type { Fleet } from './fleet';
import { bearer, newUser, signToken } from './tokens';

const DAY = 86_400;

async function control(fleet: Fleet, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${fleet.emulator.url}/_emulator${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`control ${path} → ${response.status}`);
  await response.arrayBuffer();
}

/**
 * The lifecycles of `recordLifecycles` (test/support/lifecycles.ts), run against a fleet's
 * standalone emulator with deliveries switched off: A — trial, renewal, upgrade with
 * prorations, cancel at period end, a credits purchase and its refund; B — a card that fails
 * every later charge (past_due, retries, canceled). Returns the recorded events (catalog
 * events left out) for the test to deliver itself.
 */
export async function recordFleetLifecycles(
  fleet: Fleet,
): Promise<{ events: Stripe.Event[]; accounts: LifecycleAccount[] }> {
  const { stripe } = fleet;
  const [instance] = fleet.instances;
  const accountFor = async (): Promise<{ accountId: string; email: string }> => {
    const user = newUser('fleet');
    const response = await fetch(`${instance.url}/api/subscriptions/current`, {
      headers: bearer(signToken(user)),
    });
    if (response.status !== 200) throw new Error(`account → ${response.status}`);
    const { rows } = await fleet.db.query<{ id: string }>(
      'SELECT id FROM "Account" WHERE "externalId" = $1',
      [user.sub],
    );
    return { accountId: rows[0].id, email: user.email };
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
    await control(fleet, `/checkout/sessions/${session.id}/complete`, { card });
    return stripe.checkout.sessions.retrieve(session.id);
  };

  await fleet.flush();
  const { created: startedAt } = (await stripe.events.list({ limit: 1 })).data[0];
  await control(fleet, '/webhooks/options', { enabled: false });
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
  await control(fleet, '/clock/advance', { seconds: 8 * DAY });
  await control(fleet, '/clock/advance', { seconds: 31 * DAY });
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
  await control(fleet, '/clock/advance', { seconds: 20 * DAY });

  let events: Stripe.Event[] = [];
  for await (const event of stripe.events.list({ created: { gte: startedAt }, limit: 100 }))
    events.push(event);
  events = events.filter((e) => !e.type.startsWith('product.') && !e.type.startsWith('price.'));
  return {
    events,
    accounts: [
      { accountId: a.accountId, customerId: customerA },
      { accountId: b.accountId, customerId: subB.customer as string },
    ],
  };
}

/** What the fleet's database holds, in the shape of `stripeState` (test/support/lifecycles.ts). */
export async function fleetDatabaseState(db: Client, accountId: string) {
  const subscriptions = (
    await db.query<{
      stripeId: string;
      status: string;
      priceId: string;
      cancelAtPeriodEnd: boolean;
      currentPeriodEnd: Date | null;
    }>(
      `SELECT "stripeId", "status"::text AS "status", "priceId", "cancelAtPeriodEnd", "currentPeriodEnd"
       FROM "Subscription" WHERE "accountId" = $1`,
      [accountId],
    )
  ).rows
    .map((s) => ({
      stripeId: s.stripeId,
      status: s.status,
      priceId: s.priceId,
      cancelAtPeriodEnd: s.cancelAtPeriodEnd,
      currentPeriodEnd: s.currentPeriodEnd?.toISOString(),
    }))
    .sort((x, y) => byId(x.stripeId, y.stripeId));
  const invoices = (
    await db.query<{ stripeInvoiceId: string; status: string; amount: number }>(
      `SELECT "stripeInvoiceId", "status"::text AS "status", "amount" FROM "Payment"
       WHERE "accountId" = $1 AND "stripeInvoiceId" IS NOT NULL`,
      [accountId],
    )
  ).rows
    .map((p) => ({
      stripeInvoiceId: p.stripeInvoiceId,
      paid: p.status === 'COMPLETED',
      amount: p.amount,
    }))
    .sort((x, y) => byId(String(x.stripeInvoiceId), String(y.stripeInvoiceId)));
  return { subscriptions, invoices };
}
