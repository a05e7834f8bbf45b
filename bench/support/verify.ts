import type Stripe from 'stripe';
import { type BenchCustomer, eachLimit, type EmulatorDriver } from './events';
import { Pool } from 'pg';
import { withClient } from './postgres';

export interface LedgerCheck {
  distinctEvents: number;
  ledgerRows: number;
  byStatus: Record<string, number>;
  missing: number;
  /** Rows retried after a failure (attempts > 1). */
  retried: number;
  ok: boolean;
}

/** Every distinct event id has exactly one ledger row, PROCESSED or IGNORED. */
export async function checkLedger(databaseUrl: string, eventIds: string[]): Promise<LedgerCheck> {
  return withClient(databaseUrl, async (client) => {
    const rows = await client.query<{ stripeEventId: string; status: string; attempts: number }>(
      'SELECT "stripeEventId", "status", "attempts" FROM "WebhookEvent" WHERE "stripeEventId" = ANY($1)',
      [eventIds],
    );
    const byStatus: Record<string, number> = {};
    const seen = new Set<string>();
    let duplicatesRows = 0;
    for (const row of rows.rows) {
      byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
      if (seen.has(row.stripeEventId)) duplicatesRows++;
      seen.add(row.stripeEventId);
    }
    const missing = eventIds.filter((id) => !seen.has(id)).length;
    const settled = (byStatus.PROCESSED ?? 0) + (byStatus.IGNORED ?? 0);
    return {
      distinctEvents: eventIds.length,
      ledgerRows: rows.rowCount ?? 0,
      byStatus,
      missing,
      retried: rows.rows.filter((row) => row.attempts > 1).length,
      ok: missing === 0 && duplicatesRows === 0 && settled === eventIds.length,
    };
  });
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

interface SubscriptionState {
  stripeId: string;
  status: string;
  priceId: string;
  cancelAtPeriodEnd: boolean;
  currentPeriodEnd: string;
}

interface PaymentState {
  stripeInvoiceId: string;
  paid: boolean;
  amount: number;
}

interface CustomerState {
  linked: boolean;
  subscriptions: SubscriptionState[];
  invoices: PaymentState[];
  refunds: number;
  purchases: string[];
}

async function stripeState(
  stripe: Stripe,
  customer: BenchCustomer,
): Promise<Omit<CustomerState, 'linked'>> {
  const subscriptions = (
    await stripe.subscriptions.list({ customer: customer.customerId, status: 'all', limit: 100 })
  ).data
    .map((s) => ({
      stripeId: s.id,
      status: s.status,
      priceId: s.items.data[0].price.id,
      cancelAtPeriodEnd: s.cancel_at_period_end,
      currentPeriodEnd: new Date(s.items.data[0].current_period_end * 1000).toISOString(),
    }))
    .sort((x, y) => byId(x.stripeId, y.stripeId));
  const invoices = (await stripe.invoices.list({ customer: customer.customerId, limit: 100 })).data
    .filter((i) => i.status !== 'draft')
    .map((i) => ({
      stripeInvoiceId: i.id,
      paid: i.status === 'paid',
      amount: i.status === 'paid' ? i.amount_paid : i.amount_due,
    }))
    .sort((x, y) => byId(x.stripeInvoiceId, y.stripeInvoiceId));
  const purchase = customer.scenario === 'purchase';
  return {
    subscriptions,
    invoices,
    refunds: purchase ? 1 : 0,
    purchases: purchase ? ['REFUNDED'] : [],
  };
}

export interface StateCheck {
  customers: number;
  matching: number;
  mismatches: { customerId: string; scenario: string; expected: unknown; actual: unknown }[];
  ok: boolean;
}

/**
 * For every benchmark customer: subscriptions (status, price, cancel at period end, period
 * end), invoices as payments (paid or not, amount), refunds and purchases in the database
 * equal what the emulator holds.
 */
export async function checkState(
  emulator: EmulatorDriver,
  databaseUrl: string,
  customers: BenchCustomer[],
): Promise<StateCheck> {
  const mismatches: StateCheck['mismatches'] = [];
  const client = new Pool({ connectionString: databaseUrl, max: 4 });
  try {
    await eachLimit(customers, 4, async (customer) => {
      const expected: CustomerState = {
        linked: true,
        ...(await stripeState(emulator.stripe, customer)),
      };
      const account = await client.query<{ stripeCustomerId: string | null }>(
        'SELECT "stripeCustomerId" FROM "Account" WHERE "id" = $1',
        [customer.accountId],
      );
      const subscriptions = await client.query<{
        stripeId: string;
        status: string;
        priceId: string;
        cancelAtPeriodEnd: boolean;
        currentPeriodEnd: Date | null;
      }>(
        'SELECT "stripeId", "status"::text AS "status", "priceId", "cancelAtPeriodEnd", "currentPeriodEnd" FROM "Subscription" WHERE "accountId" = $1',
        [customer.accountId],
      );
      const payments = await client.query<{
        stripeInvoiceId: string | null;
        status: string;
        type: string;
        amount: number;
      }>(
        'SELECT "stripeInvoiceId", "status"::text AS "status", "type"::text AS "type", "amount" FROM "Payment" WHERE "accountId" = $1',
        [customer.accountId],
      );
      const purchases = await client.query<{ status: string }>(
        'SELECT "status"::text AS "status" FROM "Purchase" WHERE "accountId" = $1',
        [customer.accountId],
      );
      const actual: CustomerState = {
        linked: account.rows[0]?.stripeCustomerId === customer.customerId,
        subscriptions: subscriptions.rows
          .map((s) => ({
            stripeId: s.stripeId,
            status: s.status,
            priceId: s.priceId,
            cancelAtPeriodEnd: s.cancelAtPeriodEnd,
            currentPeriodEnd: s.currentPeriodEnd?.toISOString() ?? '',
          }))
          .sort((x, y) => byId(x.stripeId, y.stripeId)),
        invoices: payments.rows
          .filter((p) => p.stripeInvoiceId !== null)
          .map((p) => ({
            stripeInvoiceId: p.stripeInvoiceId as string,
            paid: p.status === 'COMPLETED',
            amount: p.amount,
          }))
          .sort((x, y) => byId(x.stripeInvoiceId, y.stripeInvoiceId)),
        refunds: payments.rows.filter((p) => p.type === 'REFUND' && p.status === 'REFUNDED').length,
        purchases: purchases.rows.map((p) => p.status),
      };
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        mismatches.push({
          customerId: customer.customerId,
          scenario: customer.scenario,
          expected,
          actual,
        });
      }
    });
  } finally {
    await client.end();
  }
  return {
    customers: customers.length,
    matching: customers.length - mismatches.length,
    mismatches: mismatches.slice(0, 5),
    ok: mismatches.length === 0,
  };
}

export interface PeerStateCheck {
  subscriptions: number;
  staleSubscriptions: number;
  invoices: number;
  staleInvoices: number;
}

/**
 * How far the peer's copy (its `stripe` schema) is from the emulator's state: subscriptions
 * whose status or cancel-at-period-end differ, and invoices whose status differs.
 */
export async function checkPeerState(
  emulator: EmulatorDriver,
  databaseUrl: string,
  customers: BenchCustomer[],
): Promise<PeerStateCheck> {
  const result: PeerStateCheck = {
    subscriptions: 0,
    staleSubscriptions: 0,
    invoices: 0,
    staleInvoices: 0,
  };
  const client = new Pool({ connectionString: databaseUrl, max: 4 });
  try {
    await eachLimit(customers, 4, async (customer) => {
      const subscriptions = (
        await emulator.stripe.subscriptions.list({
          customer: customer.customerId,
          status: 'all',
          limit: 100,
        })
      ).data;
      const invoices = (
        await emulator.stripe.invoices.list({ customer: customer.customerId, limit: 100 })
      ).data.filter((invoice) => invoice.status !== 'draft');
      const storedSubscriptions = new Map(
        (
          await client.query<{ id: string; status: string; cancel_at_period_end: boolean }>(
            'SELECT "id", "status"::text AS "status", "cancel_at_period_end" FROM "stripe"."subscriptions" WHERE "customer" = $1',
            [customer.customerId],
          )
        ).rows.map((row) => [row.id, row]),
      );
      const storedInvoices = new Map(
        (
          await client.query<{ id: string; status: string }>(
            'SELECT "id", "status"::text AS "status" FROM "stripe"."invoices" WHERE "customer" = $1',
            [customer.customerId],
          )
        ).rows.map((row) => [row.id, row]),
      );
      for (const subscription of subscriptions) {
        result.subscriptions += 1;
        const stored = storedSubscriptions.get(subscription.id);
        if (
          stored === undefined ||
          stored.status !== subscription.status ||
          stored.cancel_at_period_end !== subscription.cancel_at_period_end
        )
          result.staleSubscriptions += 1;
      }
      for (const invoice of invoices) {
        result.invoices += 1;
        if (storedInvoices.get(invoice.id)?.status !== invoice.status) result.staleInvoices += 1;
      }
    });
  } finally {
    await client.end();
  }
  return result;
}
