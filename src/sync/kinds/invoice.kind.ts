import Stripe from 'stripe';
import { join, sql } from '../../database/sql';
import type { SqlTransaction } from '../../database/sql-client';
import type { PaymentStatus } from '../../generated/prisma/enums';
import { accountUpdate, type StatementPart } from '../engine/rows';
import { idOf } from '../stripe-ids';
import { digestOf } from './digest';
import type { Mapped, StripeKind } from './kind';

export function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  return idOf(invoice.parent?.subscription_details?.subscription ?? null);
}

/**
 * An invoice's line in billing history. Drafts are not history yet; an open invoice that has
 * been attempted and is unpaid is a failed payment.
 */
export function invoicePaymentStatus(invoice: Stripe.Invoice): PaymentStatus | null {
  switch (invoice.status) {
    case 'paid':
      return 'COMPLETED';
    case 'open':
      return invoice.attempt_count > 0 ? 'FAILED' : 'PENDING';
    case 'uncollectible':
      return 'FAILED';
    case 'void':
      return 'CANCELLED';
    default:
      return null;
  }
}

export interface InvoicePaymentFields {
  sourceKey: string;
  type: 'SUBSCRIPTION' | 'ONE_TIME';
  status: PaymentStatus;
  amount: number;
  currency: string;
  description: string | null;
  stripeInvoiceId: string;
  stripeSubscriptionId: string | null;
  hostedInvoiceUrl: string | null;
  occurredAt: Date;
}

export function toInvoicePayment(invoice: Stripe.Invoice): InvoicePaymentFields | null {
  const status = invoicePaymentStatus(invoice);
  if (status === null || invoice.id === undefined) return null;
  const subscriptionId = invoiceSubscriptionId(invoice);
  const paidAt = invoice.status_transitions?.paid_at;
  const line = invoice.lines?.data?.[0];
  return {
    sourceKey: `invoice:${invoice.id}`,
    type: subscriptionId === null ? 'ONE_TIME' : 'SUBSCRIPTION',
    status,
    amount: status === 'COMPLETED' ? invoice.amount_paid : invoice.amount_due,
    currency: invoice.currency,
    description: line?.description ?? invoice.description ?? null,
    stripeInvoiceId: invoice.id,
    stripeSubscriptionId: subscriptionId,
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
    occurredAt: new Date(
      (paidAt ?? invoice.status_transitions?.finalized_at ?? invoice.created) * 1000,
    ),
  };
}

/** Metadata this service puts on the invoices Checkout issues for one-time purchases. */
export const CHECKOUT_RECEIPT_SOURCE = 'checkout';

/**
 * A receipt Checkout issued for a one-time purchase (`invoice_creation`): its purchase is already
 * billing history through its checkout session, whose row links to the invoice.
 */
export function isCheckoutReceipt(invoice: Stripe.Invoice): boolean {
  return (
    invoice.metadata?.source === CHECKOUT_RECEIPT_SOURCE && invoiceSubscriptionId(invoice) === null
  );
}

export interface InvoiceLineFields {
  stripeId: string;
  position: number;
  description: string | null;
  priceId: string | null;
  quantity: number | null;
  amount: number;
  discountAmount: number;
  taxAmount: number;
  currency: string;
  proration: boolean;
  periodStart: Date;
  periodEnd: Date;
}

export interface InvoiceFields {
  stripeId: string;
  number: string | null;
  status: string;
  currency: string;
  subtotal: number;
  discountAmount: number;
  taxAmount: number;
  total: number;
  amountDue: number;
  amountPaid: number;
  amountRemaining: number;
  billingReason: string | null;
  description: string | null;
  periodStart: Date;
  periodEnd: Date;
  hostedInvoiceUrl: string | null;
  invoicePdfUrl: string | null;
  stripeSubscriptionId: string | null;
  issuedAt: Date;
  paidAt: Date | null;
  lines: InvoiceLineFields[];
}

const seconds = (value: number): Date => new Date(value * 1000);
const sumOf = (entries: readonly { amount: number }[] | null | undefined): number =>
  (entries ?? []).reduce((sum, entry) => sum + entry.amount, 0);

function lineProration(line: Stripe.InvoiceLineItem): boolean {
  return (
    line.parent?.subscription_item_details?.proration ??
    line.parent?.invoice_item_details?.proration ??
    false
  );
}

export function toInvoiceLine(line: Stripe.InvoiceLineItem, position: number): InvoiceLineFields {
  return {
    stripeId: line.id,
    position,
    description: line.description ?? null,
    priceId: idOf(line.pricing?.price_details?.price ?? null),
    quantity: line.quantity ?? null,
    amount: line.amount,
    discountAmount: sumOf(line.discount_amounts),
    taxAmount: sumOf(line.taxes),
    currency: line.currency,
    proration: lineProration(line),
    periodStart: seconds(line.period.start),
    periodEnd: seconds(line.period.end),
  };
}

/**
 * The invoice as the account's receipt. Drafts are not receipts yet (null). The period is the
 * service period of the lines (a renewal invoice's own `period_start/end` is the period that
 * ended, which is not what a receipt shows), else the invoice's.
 */
export function toInvoiceFields(invoice: Stripe.Invoice): InvoiceFields | null {
  if (invoice.id === undefined || invoice.status === 'draft' || invoice.status === null)
    return null;
  const lines = (invoice.lines?.data ?? []).map(toInvoiceLine);
  const starts = lines.map((line) => line.periodStart.getTime());
  const ends = lines.map((line) => line.periodEnd.getTime());
  const transitions = invoice.status_transitions;
  return {
    stripeId: invoice.id,
    number: invoice.number ?? null,
    status: invoice.status,
    currency: invoice.currency,
    subtotal: invoice.subtotal,
    discountAmount: sumOf(invoice.total_discount_amounts),
    taxAmount: sumOf(invoice.total_taxes),
    total: invoice.total,
    amountDue: invoice.amount_due,
    amountPaid: invoice.amount_paid,
    amountRemaining: invoice.amount_remaining,
    billingReason: invoice.billing_reason ?? null,
    description: invoice.description ?? null,
    periodStart: starts.length > 0 ? new Date(Math.min(...starts)) : seconds(invoice.period_start),
    periodEnd: ends.length > 0 ? new Date(Math.max(...ends)) : seconds(invoice.period_end),
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
    invoicePdfUrl: invoice.invoice_pdf ?? null,
    stripeSubscriptionId: invoiceSubscriptionId(invoice),
    issuedAt: seconds(transitions?.finalized_at ?? invoice.created),
    paidAt: transitions?.paid_at == null ? null : seconds(transitions.paid_at),
    lines,
  };
}

/** What one state of an invoice writes: its receipt, and its line of billing history. */
export interface InvoiceRows {
  invoice: InvoiceFields;
  payment: InvoicePaymentFields | null;
}

export function toInvoiceRows(invoice: Stripe.Invoice): InvoiceRows | null {
  const fields = toInvoiceFields(invoice);
  if (fields === null) return null;
  return {
    invoice: fields,
    payment: isCheckoutReceipt(invoice) ? null : toInvoicePayment(invoice),
  };
}

/**
 * An invoice moves draft → open → paid or void (uncollectible on the way, at most), and its
 * attempts only grow: two states of one second are ordered by these without asking Stripe.
 */
const STATUS_RANK: Record<string, number> = {
  draft: 0,
  open: 1,
  uncollectible: 2,
  paid: 3,
  void: 3,
};

type InvoiceObject = Stripe.Invoice & { id: string };

const isMissing = (error: unknown): boolean =>
  error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';

/** The invoice with every line: a long invoice embeds only its first page of lines. */
async function withAllLines(stripe: Stripe, invoice: InvoiceObject): Promise<InvoiceObject> {
  if (invoice.lines?.has_more !== true) return invoice;
  const data: Stripe.InvoiceLineItem[] = [];
  for await (const line of stripe.invoices.listLineItems(invoice.id, { limit: 100 }))
    data.push(line);
  return { ...invoice, lines: { ...invoice.lines, data, has_more: false } };
}

function invoiceWrites(rows: InvoiceRows, accountId: string): StatementPart[] {
  const { invoice, payment } = rows;
  const parts: StatementPart[] = [];
  if (payment !== null) {
    parts.push(sql`
      INSERT INTO "Payment" ("id", "sourceKey", "accountId", "type", "status", "amount", "currency", "description",
        "stripeInvoiceId", "stripeSubscriptionId", "hostedInvoiceUrl", "occurredAt", "updatedAt")
      VALUES (gen_random_uuid(), ${payment.sourceKey}, ${accountId}::uuid, ${payment.type}::"PaymentType", ${payment.status}::"PaymentStatus",
        ${payment.amount}, ${payment.currency}, ${payment.description}, ${payment.stripeInvoiceId}, ${payment.stripeSubscriptionId},
        ${payment.hostedInvoiceUrl}, ${payment.occurredAt}, now())
      ON CONFLICT ("sourceKey") DO UPDATE SET
        "accountId" = EXCLUDED."accountId", "type" = EXCLUDED."type", "status" = EXCLUDED."status", "amount" = EXCLUDED."amount",
        "currency" = EXCLUDED."currency", "description" = EXCLUDED."description", "stripeSubscriptionId" = EXCLUDED."stripeSubscriptionId",
        "hostedInvoiceUrl" = EXCLUDED."hostedInvoiceUrl", "occurredAt" = EXCLUDED."occurredAt", "updatedAt" = now()`);
  }
  parts.push({
    name: 'w_invoice',
    sql: sql`
      INSERT INTO "Invoice" ("id", "stripeId", "accountId", "number", "status", "currency", "subtotal", "discountAmount",
        "taxAmount", "total", "amountDue", "amountPaid", "amountRemaining", "billingReason", "description", "periodStart",
        "periodEnd", "hostedInvoiceUrl", "invoicePdfUrl", "stripeSubscriptionId", "issuedAt", "paidAt", "updatedAt")
      VALUES (gen_random_uuid(), ${invoice.stripeId}, ${accountId}::uuid, ${invoice.number}, ${invoice.status}, ${invoice.currency},
        ${invoice.subtotal}, ${invoice.discountAmount}, ${invoice.taxAmount}, ${invoice.total}, ${invoice.amountDue},
        ${invoice.amountPaid}, ${invoice.amountRemaining}, ${invoice.billingReason}, ${invoice.description},
        ${invoice.periodStart}, ${invoice.periodEnd}, ${invoice.hostedInvoiceUrl}, ${invoice.invoicePdfUrl},
        ${invoice.stripeSubscriptionId}, ${invoice.issuedAt}, ${invoice.paidAt}, now())
      ON CONFLICT ("stripeId") DO UPDATE SET
        "accountId" = EXCLUDED."accountId", "number" = EXCLUDED."number", "status" = EXCLUDED."status",
        "currency" = EXCLUDED."currency", "subtotal" = EXCLUDED."subtotal", "discountAmount" = EXCLUDED."discountAmount",
        "taxAmount" = EXCLUDED."taxAmount", "total" = EXCLUDED."total", "amountDue" = EXCLUDED."amountDue",
        "amountPaid" = EXCLUDED."amountPaid", "amountRemaining" = EXCLUDED."amountRemaining",
        "billingReason" = EXCLUDED."billingReason", "description" = EXCLUDED."description",
        "periodStart" = EXCLUDED."periodStart", "periodEnd" = EXCLUDED."periodEnd",
        "hostedInvoiceUrl" = EXCLUDED."hostedInvoiceUrl", "invoicePdfUrl" = EXCLUDED."invoicePdfUrl",
        "stripeSubscriptionId" = EXCLUDED."stripeSubscriptionId", "issuedAt" = EXCLUDED."issuedAt",
        "paidAt" = EXCLUDED."paidAt", "updatedAt" = now()
      RETURNING "id"`,
  });
  // The lines are replaced as a set: a line Stripe no longer lists goes, the others are upserted.
  const ids = invoice.lines.map((line) => line.stripeId);
  parts.push(sql`
    DELETE FROM "InvoiceLine" WHERE "invoiceId" = (SELECT "id" FROM w_invoice) AND NOT ("stripeId" = ANY(${ids}::text[]))`);
  if (invoice.lines.length > 0) {
    const values = invoice.lines.map(
      (
        line,
      ) => sql`(gen_random_uuid(), ${line.stripeId}, (SELECT "id" FROM w_invoice), ${line.position}, ${line.description},
        ${line.priceId}, ${line.quantity}::int, ${line.amount}::int, ${line.discountAmount}::int, ${line.taxAmount}::int,
        ${line.currency}, ${line.proration}::boolean, ${line.periodStart}::timestamptz, ${line.periodEnd}::timestamptz)`,
    );
    parts.push(sql`
      INSERT INTO "InvoiceLine" ("id", "stripeId", "invoiceId", "position", "description", "priceId", "quantity", "amount",
        "discountAmount", "taxAmount", "currency", "proration", "periodStart", "periodEnd")
      VALUES ${join(values)}
      ON CONFLICT ("stripeId") DO UPDATE SET
        "invoiceId" = EXCLUDED."invoiceId", "position" = EXCLUDED."position", "description" = EXCLUDED."description",
        "priceId" = EXCLUDED."priceId", "quantity" = EXCLUDED."quantity", "amount" = EXCLUDED."amount",
        "discountAmount" = EXCLUDED."discountAmount", "taxAmount" = EXCLUDED."taxAmount", "currency" = EXCLUDED."currency",
        "proration" = EXCLUDED."proration", "periodStart" = EXCLUDED."periodStart", "periodEnd" = EXCLUDED."periodEnd"`);
  }
  return parts;
}

export const invoiceKind: StripeKind<InvoiceObject, InvoiceRows | null> = {
  name: 'invoice',
  objectType: 'invoice',
  eventTypes: [
    'invoice.paid',
    'invoice.payment_succeeded',
    'invoice.payment_failed',
    'invoice.payment_action_required',
    'invoice.finalized',
    'invoice.voided',
    'invoice.marked_uncollectible',
  ],
  deletionEvents: [],
  catalog: false,
  lockKeyOf: (invoice) => `customer:${idOf(invoice.customer) ?? invoice.id}`,
  customerOf: (invoice) => idOf(invoice.customer),
  // A receipt needs every line: a payload with only the first page of them is fetched.
  isComplete: (invoice) =>
    typeof invoice.status === 'string' &&
    invoice.lines !== undefined &&
    invoice.lines.has_more !== true,
  isDeleted: () => false,
  async fetch(stripe, id) {
    try {
      return await withAllLines(stripe, await stripe.invoices.retrieve(id));
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  },
  map(invoice): Mapped<InvoiceRows | null> {
    const row = toInvoiceRows(invoice);
    return {
      row,
      hash: digestOf(row),
      progress: [STATUS_RANK[invoice.status ?? 'draft'] ?? 0, invoice.attempt_count ?? 0],
      ownership: {
        customerId: idOf(invoice.customer),
        claims: [
          invoice.parent?.subscription_details?.metadata?.accountId,
          invoice.metadata?.accountId,
        ],
      },
      requiresAccount: 'invoice of no account',
      dependencies: [],
    };
  },
  write(row, { account }) {
    // A draft is not history yet: only its watermark is kept.
    if (account === null || row === null) return [];
    return [accountUpdate(account, false), ...invoiceWrites(row, account.id)];
  },
  async *list(stripe, since) {
    for await (const invoice of stripe.invoices.list({ created: { gte: since }, limit: 100 }))
      if (invoice.id !== undefined) yield withAllLines(stripe, invoice);
  },
  async snapshot(tx: SqlTransaction, id: string) {
    const payments = await tx.query(
      sql`SELECT "sourceKey", "status", "amount" FROM "Payment" WHERE "sourceKey" = ${`invoice:${id}`}`,
    );
    const invoices = await tx.query(
      sql`SELECT i."status", i."total", i."taxAmount", i."amountPaid", i."number",
        (SELECT count(*)::int FROM "InvoiceLine" l WHERE l."invoiceId" = i."id") AS "lines"
        FROM "Invoice" i WHERE i."stripeId" = ${id}`,
    );
    return {
      payments: payments.length === 0 ? null : payments,
      invoices: invoices.length === 0 ? null : invoices,
    };
  },
};
