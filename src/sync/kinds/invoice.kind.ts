import Stripe from 'stripe';
import { sql } from '../../database/sql';
import type { SqlTransaction } from '../../database/sql-client';
import type { PaymentStatus } from '../../generated/prisma/enums';
import { accountUpdate } from '../engine/rows';
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

export const invoiceKind: StripeKind<InvoiceObject, InvoicePaymentFields | null> = {
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
  isComplete: (invoice) => typeof invoice.status === 'string' && invoice.lines !== undefined,
  isDeleted: () => false,
  async fetch(stripe, id) {
    try {
      return await stripe.invoices.retrieve(id);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  },
  map(invoice): Mapped<InvoicePaymentFields | null> {
    const row = toInvoicePayment(invoice);
    return {
      row,
      hash: digestOf(row),
      progress: [STATUS_RANK[invoice.status ?? 'draft'] ?? 0, invoice.attempt_count ?? 0],
      ownership: {
        customerId: idOf(invoice.customer),
        claims: [invoice.parent?.subscription_details?.metadata?.accountId],
      },
      requiresAccount: 'invoice of no account',
      dependencies: [],
    };
  },
  write(row, { account }) {
    // A draft is not history yet: only its watermark is kept.
    if (account === null || row === null) return [];
    return [
      accountUpdate(account, false),
      sql`
      INSERT INTO "Payment" ("id", "sourceKey", "accountId", "type", "status", "amount", "currency", "description",
        "stripeInvoiceId", "stripeSubscriptionId", "hostedInvoiceUrl", "occurredAt", "updatedAt")
      VALUES (gen_random_uuid(), ${row.sourceKey}, ${account.id}::uuid, ${row.type}::"PaymentType", ${row.status}::"PaymentStatus",
        ${row.amount}, ${row.currency}, ${row.description}, ${row.stripeInvoiceId}, ${row.stripeSubscriptionId},
        ${row.hostedInvoiceUrl}, ${row.occurredAt}, now())
      ON CONFLICT ("sourceKey") DO UPDATE SET
        "accountId" = EXCLUDED."accountId", "type" = EXCLUDED."type", "status" = EXCLUDED."status", "amount" = EXCLUDED."amount",
        "currency" = EXCLUDED."currency", "description" = EXCLUDED."description", "stripeSubscriptionId" = EXCLUDED."stripeSubscriptionId",
        "hostedInvoiceUrl" = EXCLUDED."hostedInvoiceUrl", "occurredAt" = EXCLUDED."occurredAt", "updatedAt" = now()`,
    ];
  },
  async *list(stripe, since) {
    for await (const invoice of stripe.invoices.list({ created: { gte: since }, limit: 100 }))
      if (invoice.id !== undefined) yield invoice;
  },
  async snapshot(tx: SqlTransaction, id: string) {
    const payments = await tx.query(
      sql`SELECT "sourceKey", "status", "amount" FROM "Payment" WHERE "sourceKey" = ${`invoice:${id}`}`,
    );
    return { payments: payments.length === 0 ? null : payments };
  },
};
