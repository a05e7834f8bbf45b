import Stripe from 'stripe';
import { join, sql, type Sql } from '../../database/sql';
import type { SqlTransaction } from '../../database/sql-client';
import { claimedAccountId } from '../engine/ownership';
import { idOf } from '../stripe-ids';
import { digestOf } from './digest';
import type { Mapped, StripeKind } from './kind';

export interface RefundRow {
  stripeRefundId: string;
  amount: number;
  currency: string;
  occurredAt: Date;
}

/** The charge's succeeded refunds, dated by Stripe. */
export function toRefundRows(charge: Stripe.Charge): RefundRow[] {
  return (charge.refunds?.data ?? [])
    .filter((refund) => refund.status === 'succeeded')
    .map((refund) => ({
      stripeRefundId: refund.id,
      amount: refund.amount,
      currency: refund.currency,
      occurredAt: new Date(refund.created * 1000),
    }));
}

/** Refunds as billing-history lines: one insert for all, each keyed on its refund id. */
export function refundPayments(chargeId: string, refunds: RefundRow[], accountId: string): Sql[] {
  if (refunds.length === 0) return [];
  const values = refunds.map(
    (
      refund,
    ) => sql`(gen_random_uuid(), ${`refund:${refund.stripeRefundId}`}, ${accountId}::uuid, 'REFUND'::"PaymentType",
      'REFUNDED'::"PaymentStatus", ${refund.amount}, ${refund.currency}, 'Refund', ${refund.stripeRefundId}, ${chargeId},
      ${refund.occurredAt}::timestamptz, now())`,
  );
  return [
    sql`
    INSERT INTO "Payment" ("id", "sourceKey", "accountId", "type", "status", "amount", "currency", "description",
      "stripeRefundId", "stripeChargeId", "occurredAt", "updatedAt")
    VALUES ${join(values)}
    ON CONFLICT ("sourceKey") DO UPDATE SET "accountId" = EXCLUDED."accountId", "amount" = EXCLUDED."amount",
      "currency" = EXCLUDED."currency", "occurredAt" = EXCLUDED."occurredAt", "updatedAt" = now()`,
  ];
}

export interface ChargeRow {
  id: string;
  paymentIntentId: string | null;
  refunded: boolean;
  refunds: RefundRow[];
  refundedAt: Date | null;
  /** Refunded so far, in minor units (Stripe's `amount_refunded`, which only grows). */
  amountRefunded: number;
  /**
   * The billing-history lines this charge paid, as this service named them in its refunds'
   * metadata (`paymentId`): how a subscription invoice's payment learns what was refunded.
   */
  paymentIds: string[];
}

export function toChargeRow(charge: Stripe.Charge): ChargeRow {
  const refunds = toRefundRows(charge);
  return {
    id: charge.id,
    paymentIntentId: idOf(charge.payment_intent),
    refunded: charge.refunded,
    refunds,
    amountRefunded: charge.amount_refunded,
    paymentIds: [
      ...new Set(
        (charge.refunds?.data ?? [])
          .map((refund) => claimedAccountId(refund.metadata?.paymentId))
          .filter((id): id is string => id !== null),
      ),
    ],
    refundedAt: charge.refunded
      ? new Date(
          refunds.length > 0
            ? Math.max(...refunds.map((r) => r.occurredAt.getTime()))
            : charge.created * 1000,
        )
      : null,
  };
}

const isMissing = (error: unknown): boolean =>
  error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';

/**
 * Refunds only accumulate (a succeeded refund stays), so a charge's state only grows: any state
 * can be written over any other without losing one — the amount refunded orders them.
 */
export const chargeKind: StripeKind<Stripe.Charge, ChargeRow> = {
  name: 'charge',
  objectType: 'charge',
  eventTypes: ['charge.refunded'],
  deletionEvents: [],
  catalog: false,
  lockKeyOf: (charge) => `customer:${idOf(charge.customer) ?? charge.id}`,
  customerOf: (charge) => idOf(charge.customer),
  // Since API version 2022-11-15 a charge carries its refunds only when expanded.
  isComplete: (charge) =>
    charge.refunds !== undefined && charge.refunds !== null && !charge.refunds.has_more,
  isDeleted: () => false,
  async fetch(stripe, id) {
    try {
      return await stripe.charges.retrieve(id, { expand: ['refunds'] });
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  },
  map(charge): Mapped<ChargeRow> {
    const row = toChargeRow(charge);
    return {
      row,
      hash: digestOf(row),
      progress: [charge.amount_refunded, row.refunds.length],
      ownership: {
        customerId: idOf(charge.customer),
        claims: [charge.metadata?.accountId],
        paymentIntentId: row.paymentIntentId,
      },
      requiresAccount: 'charge of no account',
      dependencies: [],
    };
  },
  write(row, { account }) {
    if (account === null) return [];
    return [
      ...refundPayments(row.id, row.refunds, account.id),
      // The paid line shows how much of it was refunded (never lowered: refunds only add up).
      row.paymentIntentId !== null || row.paymentIds.length > 0
        ? sql`
        UPDATE "Payment" SET "amountRefunded" = GREATEST("amountRefunded", ${row.amountRefunded}::int), "updatedAt" = now()
        WHERE "accountId" = ${account.id}::uuid AND "type" <> 'REFUND'::"PaymentType"
          AND ("stripePaymentIntentId" = ${row.paymentIntentId}::text OR "id" = ANY(${row.paymentIds}::uuid[]))
          AND "amountRefunded" < ${row.amountRefunded}::int`
        : null,
      // A fully refunded one-time purchase grants nothing any more.
      row.refunded && row.paymentIntentId !== null
        ? sql`
        UPDATE "Purchase" SET "status" = 'REFUNDED', "refundedAt" = ${row.refundedAt}, "updatedAt" = now()
        WHERE "stripePaymentIntentId" = ${row.paymentIntentId}`
        : null,
    ];
  },
  async *list(stripe, since) {
    // Refunds name their charges: each refunded charge once.
    const seen = new Set<string>();
    for await (const refund of stripe.refunds.list({ created: { gte: since }, limit: 100 })) {
      const chargeId = idOf(refund.charge);
      if (chargeId === null || seen.has(chargeId)) continue;
      seen.add(chargeId);
      const charge = await chargeKind.fetch(stripe, chargeId);
      if (charge !== null) yield charge;
    }
  },
  async snapshot(tx: SqlTransaction, id: string) {
    const payments = await tx.query(
      sql`SELECT "sourceKey", "status", "amount" FROM "Payment" WHERE "stripeChargeId" = ${id} ORDER BY "sourceKey"`,
    );
    return { payments: payments.length === 0 ? null : payments };
  },
};
