import type Stripe from 'stripe';
import { sql } from '../../database/sql';
import { idOf } from '../stripe-ids';
import { digestOf } from './digest';
import type { Mapped, StripeKind } from './kind';

/** The customer's postal address as the account keeps it (Stripe's empty parts are null). */
export interface BillingAddressRow {
  line1: string | null;
  line2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null;
}

export interface CustomerRow {
  id: string;
  email: string | null;
  /** `invoice_settings.default_payment_method`, else the default source: what renewals charge. */
  defaultPaymentMethodId: string | null;
  /** The billing profile: the customer's `name` and `address`. */
  name: string | null;
  address: BillingAddressRow | null;
  deleted: boolean;
}

type CustomerObject = Stripe.Customer | Stripe.DeletedCustomer;

const part = (value: string | null | undefined): string | null =>
  value === undefined || value === null || value === '' ? null : value;

/** Stripe's address, or null when it has none or only empty parts. */
export function toBillingAddressRow(
  address: Stripe.Address | null | undefined,
): BillingAddressRow | null {
  if (address === null || address === undefined) return null;
  const row: BillingAddressRow = {
    line1: part(address.line1),
    line2: part(address.line2),
    city: part(address.city),
    state: part(address.state),
    postalCode: part(address.postal_code),
    country: part(address.country),
  };
  return Object.values(row).every((value) => value === null) ? null : row;
}

export function toCustomerRow(customer: CustomerObject): CustomerRow {
  if ('deleted' in customer && customer.deleted)
    return {
      id: customer.id,
      email: null,
      defaultPaymentMethodId: null,
      name: null,
      address: null,
      deleted: true,
    };
  return {
    id: customer.id,
    email: customer.email ?? null,
    defaultPaymentMethodId:
      idOf(customer.invoice_settings?.default_payment_method) ?? idOf(customer.default_source),
    name: part(customer.name),
    address: toBillingAddressRow(customer.address),
    deleted: false,
  };
}

/**
 * A customer lives on its account row: its e-mail is the account's, its name and address are the
 * account's billing profile, and a customer deleted at Stripe is unlinked (the account keeps its
 * history; a later checkout creates a new customer). Its watermark remembers the deletion, so a
 * late event naming the account never links it again.
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
    const address = row.address;
    // Only the account linked to this customer takes its profile (never one linked elsewhere).
    return [
      sql`
      UPDATE "Account" SET
        "email" = COALESCE(${row.email}::text, "email"),
        "defaultPaymentMethodId" = ${row.defaultPaymentMethodId}::text,
        "billingName" = ${row.name}::text,
        "billingAddressLine1" = ${address?.line1 ?? null}::text,
        "billingAddressLine2" = ${address?.line2 ?? null}::text,
        "billingAddressCity" = ${address?.city ?? null}::text,
        "billingAddressState" = ${address?.state ?? null}::text,
        "billingAddressPostalCode" = ${address?.postalCode ?? null}::text,
        "billingAddressCountry" = ${address?.country ?? null}::text,
        "updatedAt" = now()
      WHERE "id" = ${account.id}::uuid AND ("stripeCustomerId" IS NULL OR "stripeCustomerId" = ${row.id})
        AND ("email" IS DISTINCT FROM COALESCE(${row.email}::text, "email")
          OR "defaultPaymentMethodId" IS DISTINCT FROM ${row.defaultPaymentMethodId}::text
          OR "billingName" IS DISTINCT FROM ${row.name}::text
          OR "billingAddressLine1" IS DISTINCT FROM ${address?.line1 ?? null}::text
          OR "billingAddressLine2" IS DISTINCT FROM ${address?.line2 ?? null}::text
          OR "billingAddressCity" IS DISTINCT FROM ${address?.city ?? null}::text
          OR "billingAddressState" IS DISTINCT FROM ${address?.state ?? null}::text
          OR "billingAddressPostalCode" IS DISTINCT FROM ${address?.postalCode ?? null}::text
          OR "billingAddressCountry" IS DISTINCT FROM ${address?.country ?? null}::text)`,
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
