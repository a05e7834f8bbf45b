import Stripe from 'stripe';
import { sql } from '../../database/sql';
import type { SqlTransaction } from '../../database/sql-client';
import { accountUpdate, type StatementPart } from '../engine/rows';
import { idOf } from '../stripe-ids';
import { refundPayments, type RefundRow, toRefundRows } from './charge.kind';
import { digestOf } from './digest';
import type { Mapped, StripeKind } from './kind';

export type CheckoutStatus = 'open' | 'complete' | 'expired';

export function checkoutStatusOf(session: Stripe.Checkout.Session): CheckoutStatus {
  if (session.status === 'complete') return 'complete';
  return session.status === 'expired' ? 'expired' : 'open';
}

export interface CheckoutSessionRow {
  stripeId: string;
  mode: 'SUBSCRIPTION' | 'PAYMENT';
  status: CheckoutStatus;
  paymentStatus: string;
  url: string | null;
  priceId: string;
  productId: string;
  quantity: number;
  amount: number;
  currency: string;
  description: string | null;
  subscriptionId: string | null;
  paymentIntentId: string | null;
  /** The receipt Checkout issued for a one-time purchase (`invoice_creation`). */
  invoiceId: string | null;
  /** Paid, or nothing to pay (a 100 %-off promotion code): a purchase either way. */
  fulfilled: boolean;
  createdAt: Date;
  expiresAt: Date;
  /** The latest charge's refunds: a refund may be applied before the completed session is. */
  chargeId: string | null;
  refunds: RefundRow[];
  refundedAt: Date | null;
  /** The charge's `amount_refunded` (0 when the payload does not carry the charge). */
  amountRefunded: number;
}

/** The session with its line items (and the payment's refunds): what its rows need. */
export function toCheckoutSessionRow(session: Stripe.Checkout.Session): CheckoutSessionRow | null {
  const item = session.line_items?.data[0];
  const price = item?.price;
  if (price === undefined || price === null) return null;
  const charge =
    typeof session.payment_intent === 'object' ? session.payment_intent?.latest_charge : null;
  const expandedCharge = typeof charge === 'object' && charge !== null ? charge : null;
  const refunds = expandedCharge === null ? [] : toRefundRows(expandedCharge);
  return {
    stripeId: session.id,
    mode: session.mode === 'subscription' ? 'SUBSCRIPTION' : 'PAYMENT',
    status: checkoutStatusOf(session),
    paymentStatus: session.payment_status,
    url: session.url ?? null,
    priceId: price.id,
    productId: idOf(price.product) ?? '',
    quantity: item?.quantity ?? 1,
    amount: session.amount_total ?? 0,
    currency: session.currency ?? price.currency,
    description: item?.description ?? null,
    subscriptionId: idOf(session.subscription),
    paymentIntentId: idOf(session.payment_intent),
    // A subscription's session names its first invoice, which is history on its own.
    invoiceId: session.mode === 'payment' ? idOf(session.invoice) : null,
    fulfilled:
      session.payment_status === 'paid' || session.payment_status === 'no_payment_required',
    createdAt: new Date(session.created * 1000),
    expiresAt: new Date(session.expires_at * 1000),
    chargeId: expandedCharge?.id ?? null,
    refunds,
    amountRefunded: expandedCharge?.amount_refunded ?? 0,
    refundedAt:
      expandedCharge?.refunded === true && refunds.length > 0
        ? new Date(Math.max(...refunds.map((r) => r.occurredAt.getTime())))
        : expandedCharge?.refunded === true
          ? new Date(expandedCharge.created * 1000)
          : null,
  };
}

const isMissing = (error: unknown): boolean =>
  error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';

type SessionRow = CheckoutSessionRow | null;

function sessionWrites(
  row: CheckoutSessionRow,
  accountId: string,
  observedAt: Date,
): StatementPart[] {
  const parts: StatementPart[] = [];
  const purchase = row.mode === 'PAYMENT' && row.status === 'complete' && row.fulfilled;
  if (purchase) {
    parts.push({
      name: 'w_purchase',
      sql: sql`
      INSERT INTO "Purchase" ("id", "accountId", "productId", "priceId", "lifetime", "quantity", "amount", "currency",
        "status", "stripeCheckoutSessionId", "stripePaymentIntentId", "purchasedAt", "refundedAt", "updatedAt")
      VALUES (gen_random_uuid(), ${accountId}::uuid, ${row.productId}, ${row.priceId},
        COALESCE((SELECT "lifetime" FROM "Product" WHERE "id" = ${row.productId}), false),
        ${row.quantity}, ${row.amount}, ${row.currency},
        ${row.refundedAt === null ? 'ACTIVE' : 'REFUNDED'}::"PurchaseStatus", ${row.stripeId}, ${row.paymentIntentId},
        ${row.createdAt}, ${row.refundedAt}, now())
      ON CONFLICT ("stripeCheckoutSessionId") DO UPDATE SET
        "productId" = EXCLUDED."productId", "priceId" = EXCLUDED."priceId", "lifetime" = EXCLUDED."lifetime",
        "quantity" = EXCLUDED."quantity", "amount" = EXCLUDED."amount", "currency" = EXCLUDED."currency",
        -- A refund recorded through its charge stays recorded.
        "status" = CASE WHEN "Purchase"."status" = 'REFUNDED' THEN 'REFUNDED'::"PurchaseStatus" ELSE EXCLUDED."status" END,
        "refundedAt" = COALESCE("Purchase"."refundedAt", EXCLUDED."refundedAt"),
        "stripePaymentIntentId" = EXCLUDED."stripePaymentIntentId", "purchasedAt" = EXCLUDED."purchasedAt", "updatedAt" = now()
      RETURNING "id"`,
    });
  }
  let status: 'COMPLETED' | 'FAILED' | 'EXPIRED' | null = null;
  if (purchase) status = 'COMPLETED';
  else if (row.mode === 'PAYMENT' && row.status === 'complete') status = 'FAILED';
  else if (row.status === 'expired') status = 'EXPIRED';
  if (status !== null) {
    // An expired session is dated when it expired: when it was seen expired (an early expiry,
    // e.g. superseded by a newer checkout) or its planned expiry, whichever came first.
    const occurredAt =
      status === 'EXPIRED'
        ? new Date(Math.min(row.expiresAt.getTime(), observedAt.getTime()))
        : row.createdAt;
    parts.push(sql`
      INSERT INTO "Payment" ("id", "sourceKey", "accountId", "type", "status", "amount", "currency", "description",
        "stripeCheckoutSessionId", "stripePaymentIntentId", "stripeInvoiceId", "amountRefunded", "occurredAt", "updatedAt")
      VALUES (gen_random_uuid(), ${`session:${row.stripeId}`}, ${accountId}::uuid,
        ${row.mode === 'SUBSCRIPTION' ? 'SUBSCRIPTION' : 'ONE_TIME'}::"PaymentType", ${status}::"PaymentStatus",
        ${row.amount}, ${row.currency}, ${row.description}, ${row.stripeId},
        ${status === 'EXPIRED' ? null : row.paymentIntentId}, ${status === 'EXPIRED' ? null : row.invoiceId},
        ${row.amountRefunded}, ${occurredAt}, now())
      ON CONFLICT ("sourceKey") DO UPDATE SET
        "accountId" = EXCLUDED."accountId", "type" = EXCLUDED."type", "status" = EXCLUDED."status",
        "amount" = EXCLUDED."amount", "currency" = EXCLUDED."currency", "description" = EXCLUDED."description",
        "stripePaymentIntentId" = EXCLUDED."stripePaymentIntentId",
        "stripeInvoiceId" = COALESCE(EXCLUDED."stripeInvoiceId", "Payment"."stripeInvoiceId"),
        "amountRefunded" = GREATEST("Payment"."amountRefunded", EXCLUDED."amountRefunded"),
        "occurredAt" = CASE WHEN EXCLUDED."status" = 'EXPIRED'
          THEN LEAST("Payment"."occurredAt", EXCLUDED."occurredAt") ELSE EXCLUDED."occurredAt" END,
        "updatedAt" = now()`);
  }
  parts.push(sql`
    INSERT INTO "CheckoutSession" ("id", "stripeId", "accountId", "mode", "priceId", "quantity", "status", "paymentStatus",
      "url", "stripeSubscriptionId", "purchaseId", "expiresAt", "completedAt", "updatedAt")
    VALUES (gen_random_uuid(), ${row.stripeId}, ${accountId}::uuid, ${row.mode}::"CheckoutMode", ${row.priceId}, ${row.quantity},
      ${row.status}::"CheckoutStatus", ${row.paymentStatus}, ${row.url}, ${row.subscriptionId},
      ${purchase ? sql`(SELECT "id" FROM w_purchase)` : null}::uuid, ${row.expiresAt},
      ${row.status === 'complete' ? observedAt : null}, now())
    ON CONFLICT ("stripeId") DO UPDATE SET
      "mode" = EXCLUDED."mode", "priceId" = EXCLUDED."priceId", "quantity" = EXCLUDED."quantity",
      "status" = EXCLUDED."status", "paymentStatus" = EXCLUDED."paymentStatus", "url" = EXCLUDED."url",
      "stripeSubscriptionId" = EXCLUDED."stripeSubscriptionId", "purchaseId" = COALESCE(EXCLUDED."purchaseId", "CheckoutSession"."purchaseId"),
      "expiresAt" = EXCLUDED."expiresAt",
      "completedAt" = CASE WHEN EXCLUDED."status" = 'complete' THEN COALESCE("CheckoutSession"."completedAt", EXCLUDED."completedAt") END,
      "updatedAt" = now()`);
  if (row.chargeId !== null) parts.push(...refundPayments(row.chargeId, row.refunds, accountId));
  return parts;
}

export const checkoutSessionKind: StripeKind<Stripe.Checkout.Session, SessionRow> = {
  name: 'checkout_session',
  objectType: 'checkout.session',
  eventTypes: [
    'checkout.session.completed',
    'checkout.session.async_payment_succeeded',
    'checkout.session.async_payment_failed',
    'checkout.session.expired',
  ],
  deletionEvents: [],
  catalog: false,
  lockKeyOf: (session) => `customer:${idOf(session.customer) ?? session.id}`,
  customerOf: (session) => idOf(session.customer),
  // Events carry no line items (the price) nor the payment's refunds. A setup-mode session
  // (saving a card) buys nothing and has no rows: the card arrives as its own kind.
  isComplete: (session) => session.mode === 'setup' || session.line_items !== undefined,
  isDeleted: () => false,
  async fetch(stripe, id) {
    try {
      return await stripe.checkout.sessions.retrieve(id, {
        expand: ['line_items', 'payment_intent.latest_charge.refunds'],
      });
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  },
  map(session): Mapped<SessionRow> {
    const row = toCheckoutSessionRow(session);
    const price = session.line_items?.data[0]?.price;
    return {
      row,
      hash: digestOf(row),
      progress: [
        session.status === 'open' ? 0 : 1,
        session.payment_status === 'unpaid' ? 0 : 1,
        row?.refunds.length ?? 0,
      ],
      ownership: {
        customerId: idOf(session.customer),
        claims: [session.client_reference_id, session.metadata?.accountId],
      },
      requiresAccount:
        row === null ? 'checkout session without a price' : 'checkout session of no account',
      dependencies: price === undefined || price === null ? [] : [{ kind: 'price', price }],
    };
  },
  write(row, { account, eventCreated, bounds }) {
    if (account === null || row === null) return [];
    const observedAt = new Date((eventCreated ?? bounds.from) * 1000);
    return [accountUpdate(account, false), ...sessionWrites(row, account.id, observedAt)];
  },
  async *list(stripe, since) {
    for await (const session of stripe.checkout.sessions.list({
      created: { gte: since },
      limit: 100,
    }))
      yield session;
  },
  async snapshot(tx: SqlTransaction, id: string) {
    const [session] = await tx.query(
      sql`SELECT "status", "paymentStatus", "stripeSubscriptionId" FROM "CheckoutSession" WHERE "stripeId" = ${id}`,
    );
    const [purchase] = await tx.query(
      sql`SELECT "status", "amount", "lifetime" FROM "Purchase" WHERE "stripeCheckoutSessionId" = ${id}`,
    );
    const payments = await tx.query(
      sql`SELECT "sourceKey", "status", "amount" FROM "Payment" WHERE "sourceKey" = ${`session:${id}`}`,
    );
    return {
      checkoutSessions: session ?? null,
      purchases: purchase ?? null,
      payments: payments.length === 0 ? null : payments,
    };
  },
};
