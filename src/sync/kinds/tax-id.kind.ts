import Stripe from 'stripe';
import { sql } from '../../database/sql';
import { idOf } from '../stripe-ids';
import { digestOf } from './digest';
import type { Mapped, StripeKind } from './kind';

export interface TaxIdRow {
  stripeId: string;
  stripeCustomerId: string;
  type: string;
  value: string;
  country: string | null;
  verificationStatus: string | null;
  createdAt: Date;
}

type TaxIdObject = Stripe.TaxId | Stripe.DeletedTaxId;

/** A customer's tax id as the account's billing profile keeps it; null for a deletion stub. */
export function toTaxIdRow(taxId: TaxIdObject): TaxIdRow | null {
  if ('deleted' in taxId && taxId.deleted === true) return null;
  const live = taxId;
  const customer = idOf(live.customer) ?? idOf(live.owner?.customer ?? null);
  if (customer === null) throw new Error(`tax id ${live.id} belongs to no customer`);
  return {
    stripeId: live.id,
    stripeCustomerId: customer,
    type: live.type,
    value: live.value,
    country: live.country ?? null,
    verificationStatus: live.verification?.status ?? null,
    createdAt: new Date(live.created * 1000),
  };
}

const VERIFICATION_RANK: Record<string, number> = {
  pending: 0,
  unavailable: 1,
  unverified: 1,
  verified: 1,
};

const isMissing = (error: unknown): boolean =>
  error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';

/**
 * A customer's tax id (`customer.tax_id.*`): a row of the account's billing profile, keyed on
 * its Stripe id; a deleted one is removed (its watermark remembers, so a late `created` never
 * brings it back). Tax ids are not walked by the resync: Stripe lists them per customer only.
 */
export const taxIdKind: StripeKind<TaxIdObject, TaxIdRow | null> = {
  name: 'tax_id',
  objectType: 'tax_id',
  eventTypes: ['customer.tax_id.created', 'customer.tax_id.updated', 'customer.tax_id.deleted'],
  deletionEvents: ['customer.tax_id.deleted'],
  catalog: false,
  lockKeyOf: (taxId) => {
    const customer = 'customer' in taxId ? idOf(taxId.customer) : null;
    return customer === null ? `tax_id:${taxId.id}` : `customer:${customer}`;
  },
  customerOf: (taxId) => ('customer' in taxId ? idOf(taxId.customer) : null),
  isComplete: (taxId) => 'value' in taxId && typeof taxId.value === 'string',
  isDeleted: (taxId) => 'deleted' in taxId && taxId.deleted === true,
  async fetch(stripe, id) {
    try {
      return await stripe.taxIds.retrieve(id);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  },
  map(taxId): Mapped<TaxIdRow | null> {
    const row = toTaxIdRow(taxId);
    return {
      row,
      hash: digestOf(row),
      progress: [VERIFICATION_RANK[row?.verificationStatus ?? 'pending'] ?? 0],
      ownership: { customerId: row?.stripeCustomerId ?? null, claims: [] },
      requiresAccount: 'tax id of no account',
      dependencies: [],
    };
  },
  write(row, { account }) {
    if (row === null || account === null) return [];
    return [
      sql`
      INSERT INTO "CustomerTaxId" ("id", "stripeId", "accountId", "stripeCustomerId", "type", "value", "country",
        "verificationStatus", "stripeCreatedAt", "updatedAt")
      VALUES (gen_random_uuid(), ${row.stripeId}, ${account.id}::uuid, ${row.stripeCustomerId}, ${row.type}, ${row.value},
        ${row.country}, ${row.verificationStatus}, ${row.createdAt}, now())
      ON CONFLICT ("stripeId") DO UPDATE SET
        "accountId" = EXCLUDED."accountId", "stripeCustomerId" = EXCLUDED."stripeCustomerId", "type" = EXCLUDED."type",
        "value" = EXCLUDED."value", "country" = EXCLUDED."country", "verificationStatus" = EXCLUDED."verificationStatus",
        "stripeCreatedAt" = EXCLUDED."stripeCreatedAt", "updatedAt" = now()`,
    ];
  },
  writeMissing: (id) => [sql`DELETE FROM "CustomerTaxId" WHERE "stripeId" = ${id}`],
};
