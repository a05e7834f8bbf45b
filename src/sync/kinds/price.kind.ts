import type Stripe from 'stripe';
import { sql, type Sql } from '../../database/sql';
import type { SqlTransaction } from '../../database/sql-client';
import { fromUnix, idOf } from '../stripe-ids';
import { digestOf } from './digest';
import type { Mapped, StripeKind } from './kind';

/** Per-price trial length from metadata `trial_days`, when a plan wants its own. */
export function trialDaysFromMetadata(
  metadata: Record<string, string> | null | undefined,
): number | null {
  const raw = metadata?.trial_days?.trim();
  if (raw === undefined || !/^\d{1,3}$/.test(raw)) return null;
  return Number(raw);
}

export interface PriceRow {
  id: string;
  productId: string;
  type: 'RECURRING' | 'ONE_TIME';
  unitAmount: number | null;
  currency: string;
  interval: string | null;
  intervalCount: number | null;
  lookupKey: string | null;
  nickname: string | null;
  trialDays: number | null;
  metadata: Record<string, string>;
  active: boolean;
  stripeCreatedAt: Date | null;
}

/** A Stripe price as a Price row; deleted prices stay for history but are never sold. */
export function toPriceRow(price: Stripe.Price): PriceRow {
  const productId = idOf(price.product);
  if (productId === null) throw new Error(`price ${price.id} has no product`);
  return {
    id: price.id,
    productId,
    type: price.type === 'recurring' ? 'RECURRING' : 'ONE_TIME',
    unitAmount: price.unit_amount ?? null,
    currency: price.currency,
    interval: price.recurring?.interval ?? null,
    intervalCount: price.recurring?.interval_count ?? null,
    lookupKey: price.lookup_key ?? null,
    nickname: price.nickname ?? null,
    trialDays: trialDaysFromMetadata(price.metadata) ?? price.recurring?.trial_period_days ?? null,
    metadata: price.metadata ?? {},
    active: price.active,
    stripeCreatedAt: fromUnix(price.created),
  };
}

type PriceObject = Stripe.Price | Stripe.DeletedPrice;

export function priceUpsert(row: PriceRow): Sql {
  return sql`
    INSERT INTO "Price" ("id", "productId", "type", "unitAmount", "currency", "interval", "intervalCount", "lookupKey",
                         "nickname", "trialDays", "metadata", "active", "deleted", "stripeCreatedAt", "stripeSyncedAt", "updatedAt")
    VALUES (${row.id}, ${row.productId}, ${row.type}::"PriceType", ${row.unitAmount}, ${row.currency}, ${row.interval},
            ${row.intervalCount}, ${row.lookupKey}, ${row.nickname}, ${row.trialDays}, ${JSON.stringify(row.metadata)}::jsonb,
            ${row.active}, false, ${row.stripeCreatedAt}, now(), now())
    ON CONFLICT ("id") DO UPDATE SET
      "productId" = EXCLUDED."productId", "type" = EXCLUDED."type", "unitAmount" = EXCLUDED."unitAmount",
      "currency" = EXCLUDED."currency", "interval" = EXCLUDED."interval", "intervalCount" = EXCLUDED."intervalCount",
      "lookupKey" = EXCLUDED."lookupKey", "nickname" = EXCLUDED."nickname", "trialDays" = EXCLUDED."trialDays",
      "metadata" = EXCLUDED."metadata", "active" = EXCLUDED."active", "deleted" = false,
      "stripeCreatedAt" = EXCLUDED."stripeCreatedAt", "stripeSyncedAt" = now(), "updatedAt" = now()`;
}

function markDeleted(id: string): Sql {
  return sql`
    UPDATE "Price" SET "active" = false, "deleted" = true, "stripeSyncedAt" = now(), "updatedAt" = now()
    WHERE "id" = ${id}`;
}

export const priceKind: StripeKind<PriceObject, PriceRow | { id: string; deleted: true }> = {
  name: 'price',
  objectType: 'price',
  eventTypes: ['price.created', 'price.updated', 'price.deleted'],
  deletionEvents: ['price.deleted'],
  catalog: true,
  lockKeyOf: () => 'catalog',
  customerOf: () => null,
  isComplete: (price) => 'currency' in price && typeof price.currency === 'string',
  isDeleted: (price) => 'deleted' in price && price.deleted === true,
  async fetch(stripe, id) {
    return stripe.prices.retrieve(id);
  },
  map(price) {
    if ('deleted' in price && price.deleted) {
      const row = { id: price.id, deleted: true as const };
      return {
        row,
        hash: digestOf(row),
        progress: [1],
        ownership: null,
        requiresAccount: null,
        dependencies: [],
      };
    }
    const row = toPriceRow(price);
    const mapped: Mapped<PriceRow> = {
      row,
      hash: digestOf(row),
      progress: [0],
      ownership: null,
      requiresAccount: null,
      // A price may arrive before its product: the engine brings the product in first.
      dependencies: [{ kind: 'product', id: row.productId }],
    };
    return mapped;
  },
  write: (row) => ['deleted' in row ? markDeleted(row.id) : priceUpsert(row)],
  writeMissing: (id) => [markDeleted(id)],
  async *list(stripe) {
    // Stripe lists only active prices unless asked: an archived price is still someone's plan.
    for (const active of [true, false])
      for await (const price of stripe.prices.list({ active, limit: 100 })) yield price;
  },
  async snapshot(tx: SqlTransaction, id: string) {
    const [row] = await tx.query(
      sql`SELECT "active", "deleted", "unitAmount", "interval", "productId" FROM "Price" WHERE "id" = ${id}`,
    );
    return { prices: row ?? null };
  },
};
