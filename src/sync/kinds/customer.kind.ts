import type Stripe from 'stripe';
import { sql } from '../../database/sql';
import { idOf } from '../stripe-ids';
import { digestOf } from './digest';
import type { Mapped, StripeKind } from './kind';

export interface CustomerRow {
  id: string;
  email: string | null;
  /** `invoice_settings.default_payment_method`, else the default source: what renewals charge. */
  defaultPaymentMethodId: string | null;
  deleted: boolean;
}

type CustomerObject = Stripe.Customer | Stripe.DeletedCustomer;

export function toCustomerRow(customer: CustomerObject): CustomerRow {
  if ('deleted' in customer && customer.deleted)
    return { id: customer.id, email: null, defaultPaymentMethodId: null, deleted: true };
  return {
    id: customer.id,
    email: customer.email ?? null,
    defaultPaymentMethodId:
      idOf(customer.invoice_settings?.default_payment_method) ?? idOf(customer.default_source),
    deleted: false,
  };
}

/**
 * A customer lives on its account row: its e-mail is the account's, and a customer deleted at
 * Stripe is unlinked (the account keeps its history; a later checkout creates a new customer).
 * Its watermark remembers the deletion, so a late event naming the account never links it again.
 */
export const customerKind: StripeKind<CustomerObject, CustomerRow> = {
  name: 'customer',
  objectType: 'customer',
  eventTypes: ['customer.updated', 'customer.deleted'],
  deletionEvents: ['customer.deleted'],
  catalog: false,
  lockKeyOf: (customer) => `customer:${customer.id}`,
  customerOf: (customer) => customer.id,
  isComplete: (customer) => 'email' in customer,
  isDeleted: (customer) => 'deleted' in customer && customer.deleted === true,
  async fetch(stripe, id) {
    return stripe.customers.retrieve(id);
  },
  map(customer): Mapped<CustomerRow> {
    const row = toCustomerRow(customer);
    return {
      row,
      hash: digestOf(row),
      progress: [row.deleted ? 1 : 0],
      ownership: {
        customerId: customer.id,
        claims: row.deleted ? [] : [(customer as Stripe.Customer).metadata?.accountId],
      },
      requiresAccount: row.deleted ? null : 'customer of no account',
      dependencies: [],
    };
  },
  write(row, { account }) {
    if (row.deleted)
      return [
        sql`
        UPDATE "Account" SET "stripeCustomerId" = NULL, "updatedAt" = now()
        WHERE "stripeCustomerId" = ${row.id}`,
      ];
    if (account === null) return [];
    return [
      sql`
      UPDATE "Account" SET "email" = COALESCE(${row.email}::text, "email"),
        "defaultPaymentMethodId" = ${row.defaultPaymentMethodId}::text, "updatedAt" = now()
      WHERE "id" = ${account.id}::uuid
        AND ("email" IS DISTINCT FROM COALESCE(${row.email}::text, "email")
          OR "defaultPaymentMethodId" IS DISTINCT FROM ${row.defaultPaymentMethodId}::text)`,
    ];
  },
  // Resync: the e-mail and default card of every customer (a `customer.updated` that came
  // before its account was linked was ignored, and is repaired here).
  async *list(stripe) {
    for await (const customer of stripe.customers.list({ limit: 100 })) yield customer;
  },
  writeMissing: (id) => [
    sql`
    UPDATE "Account" SET "stripeCustomerId" = NULL, "updatedAt" = now()
    WHERE "stripeCustomerId" = ${id}`,
  ],
};
