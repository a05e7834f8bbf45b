import Stripe from 'stripe';
import { sql } from '../../database/sql';
import type { SqlTransaction } from '../../database/sql-client';
import { idOf } from '../stripe-ids';
import { digestOf } from './digest';
import type { Mapped, StripeKind } from './kind';

export interface PaymentMethodRow {
  id: string;
  /** Null once detached: the card no longer belongs to anyone. */
  customerId: string | null;
  type: string;
  brand: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
  funding: string | null;
  createdAt: Date;
}

/** A saved payment method as a row: the card's display fields, and whose it is. */
export function toPaymentMethodRow(method: Stripe.PaymentMethod): PaymentMethodRow {
  const card = method.card ?? null;
  return {
    id: method.id,
    customerId: idOf(method.customer),
    type: method.type,
    brand: card?.brand ?? null,
    last4: card?.last4 ?? null,
    expMonth: card?.exp_month ?? null,
    expYear: card?.exp_year ?? null,
    funding: card?.funding ?? null,
    createdAt: new Date(method.created * 1000),
  };
}

const isMissing = (error: unknown): boolean =>
  error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';

/**
 * Cards saved on customers. A row names its customer, not an account: the account is the one
 * linked to that customer when the cards are read, so a card attached before the account's link
 * was written (a customer Stripe Checkout created) is kept, not ignored. A detached card names no customer any more, so every event of one
 * card serialises on the card itself (the same key the engine uses for a card Stripe no longer
 * has). Detaching is final at Stripe (a detached card cannot be attached again), so a detached
 * state outranks an attached one of the same second, and an older `attached` event arriving
 * late is stale by its watermark.
 */
export const paymentMethodKind: StripeKind<Stripe.PaymentMethod, PaymentMethodRow> = {
  name: 'payment_method',
  objectType: 'payment_method',
  eventTypes: ['payment_method.attached', 'payment_method.updated', 'payment_method.detached'],
  deletionEvents: [],
  catalog: false,
  lockKeyOf: (method) => `object:${method.id}`,
  customerOf: (method) => idOf(method.customer),
  isComplete: (method) => typeof method.type === 'string' && typeof method.created === 'number',
  isDeleted: () => false,
  async fetch(stripe, id) {
    try {
      return await stripe.paymentMethods.retrieve(id);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  },
  map(method): Mapped<PaymentMethodRow> {
    const row = toPaymentMethodRow(method);
    const attached = row.customerId !== null;
    return {
      row,
      hash: digestOf(row),
      progress: [attached ? 0 : 1],
      // The account, when there is one, only learns that its cards changed (its caches).
      ownership: attached ? { customerId: row.customerId, claims: [] } : null,
      requiresAccount: null,
      dependencies: [],
    };
  },
  write(row) {
    if (row.customerId === null)
      return [
        sql`
        UPDATE "PaymentMethod" SET "detachedAt" = COALESCE("detachedAt", now()), "stripeCustomerId" = NULL,
          "updatedAt" = now()
        WHERE "stripeId" = ${row.id}`,
      ];
    return [
      sql`
      INSERT INTO "PaymentMethod" ("id", "stripeId", "stripeCustomerId", "type", "brand", "last4",
        "expMonth", "expYear", "funding", "stripeCreatedAt", "updatedAt")
      VALUES (gen_random_uuid(), ${row.id}, ${row.customerId}, ${row.type}, ${row.brand},
        ${row.last4}, ${row.expMonth}, ${row.expYear}, ${row.funding}, ${row.createdAt}::timestamptz, now())
      ON CONFLICT ("stripeId") DO UPDATE SET "stripeCustomerId" = EXCLUDED."stripeCustomerId", "type" = EXCLUDED."type", "brand" = EXCLUDED."brand",
        "last4" = EXCLUDED."last4", "expMonth" = EXCLUDED."expMonth", "expYear" = EXCLUDED."expYear",
        "funding" = EXCLUDED."funding", "detachedAt" = NULL, "updatedAt" = now()`,
    ];
  },
  // Stripe still has a card that was detached; one it no longer has at all is gone for us too.
  writeMissing: (id) => [
    sql`
    UPDATE "PaymentMethod" SET "detachedAt" = COALESCE("detachedAt", now()), "stripeCustomerId" = NULL,
      "updatedAt" = now()
    WHERE "stripeId" = ${id}`,
  ],
  async *list(stripe) {
    for await (const customer of stripe.customers.list({ limit: 100 }))
      for await (const method of stripe.customers.listPaymentMethods(customer.id, {
        type: 'card',
        limit: 100,
      }))
        yield method;
  },
  async snapshot(tx: SqlTransaction, id: string) {
    const [method] = await tx.query(
      sql`SELECT "stripeCustomerId", "brand", "last4", "expMonth", "expYear", "detachedAt" IS NOT NULL AS "detached"
          FROM "PaymentMethod" WHERE "stripeId" = ${id}`,
    );
    return { paymentMethods: method ?? null };
  },
};
