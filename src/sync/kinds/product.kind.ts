import type Stripe from 'stripe';
import { sql, type Sql } from '../../database/sql';
import type { SqlTransaction } from '../../database/sql-client';
import { fromUnix } from '../stripe-ids';
import { digestOf } from './digest';
import type { Mapped, StripeKind } from './kind';

/** Feature ids from Stripe metadata `features` ("chat, rag,export"): trimmed, unique, in order. */
export function featuresFromMetadata(
  metadata: Record<string, string> | null | undefined,
): string[] {
  const raw = metadata?.features ?? '';
  return [
    ...new Set(
      raw
        .split(',')
        .map((f) => f.trim())
        .filter((f) => f.length > 0),
    ),
  ];
}

export function isLifetime(metadata: Record<string, string> | null | undefined): boolean {
  return (metadata?.lifetime ?? '').trim().toLowerCase() === 'true';
}

export interface ProductRow {
  id: string;
  name: string;
  description: string | null;
  features: string[];
  metadata: Record<string, string>;
  lifetime: boolean;
  active: boolean;
  deleted: boolean;
  defaultPriceId: string | null;
  stripeCreatedAt: Date | null;
}

/** A Stripe product (or its deletion) as a Product row. */
export function toProductRow(product: Stripe.Product | Stripe.DeletedProduct): ProductRow {
  if ('deleted' in product && product.deleted) {
    return {
      id: product.id,
      name: product.id,
      description: null,
      features: [],
      metadata: {},
      lifetime: false,
      active: false,
      deleted: true,
      defaultPriceId: null,
      stripeCreatedAt: null,
    };
  }
  const live = product;
  const defaultPrice = live.default_price;
  return {
    id: live.id,
    name: live.name,
    description: live.description ?? null,
    features: featuresFromMetadata(live.metadata),
    metadata: live.metadata ?? {},
    lifetime: isLifetime(live.metadata),
    active: live.active,
    deleted: false,
    defaultPriceId: typeof defaultPrice === 'string' ? defaultPrice : (defaultPrice?.id ?? null),
    stripeCreatedAt: fromUnix(live.created),
  };
}

type ProductObject = Stripe.Product | Stripe.DeletedProduct;

/** A deleted product keeps its row (history still resolves) but is never sold again. */
function productUpsert(row: ProductRow): Sql {
  if (row.deleted) return markDeleted(row.id);
  return sql`
    INSERT INTO "Product" ("id", "name", "description", "features", "metadata", "lifetime", "active", "deleted",
                           "defaultPriceId", "stripeCreatedAt", "stripeSyncedAt", "updatedAt")
    VALUES (${row.id}, ${row.name}, ${row.description}, ${row.features}::text[], ${JSON.stringify(row.metadata)}::jsonb,
            ${row.lifetime}, ${row.active}, false, ${row.defaultPriceId}, ${row.stripeCreatedAt}, now(), now())
    ON CONFLICT ("id") DO UPDATE SET
      "name" = EXCLUDED."name", "description" = EXCLUDED."description", "features" = EXCLUDED."features",
      "metadata" = EXCLUDED."metadata", "lifetime" = EXCLUDED."lifetime", "active" = EXCLUDED."active",
      "deleted" = false, "defaultPriceId" = EXCLUDED."defaultPriceId", "stripeCreatedAt" = EXCLUDED."stripeCreatedAt",
      "stripeSyncedAt" = now(), "updatedAt" = now()`;
}

function markDeleted(id: string): Sql {
  return sql`
    UPDATE "Product" SET "active" = false, "deleted" = true, "stripeSyncedAt" = now(), "updatedAt" = now()
    WHERE "id" = ${id}`;
}

export const productKind: StripeKind<ProductObject, ProductRow> = {
  name: 'product',
  objectType: 'product',
  eventTypes: ['product.created', 'product.updated', 'product.deleted'],
  deletionEvents: ['product.deleted'],
  catalog: true,
  lockKeyOf: () => 'catalog',
  customerOf: () => null,
  isComplete: (product) => 'name' in product && typeof product.name === 'string',
  isDeleted: (product) => 'deleted' in product && product.deleted === true,
  async fetch(stripe, id) {
    return stripe.products.retrieve(id);
  },
  map(product): Mapped<ProductRow> {
    const row = toProductRow(product);
    return {
      row,
      hash: digestOf(row),
      // Products have no counters that only grow: a tie of two updates asks Stripe.
      progress: [row.deleted ? 1 : 0],
      ownership: null,
      requiresAccount: null,
      dependencies: [],
    };
  },
  write: (row) => [productUpsert(row)],
  writeMissing: (id) => [markDeleted(id)],
  async *list(stripe) {
    // Active and archived: an archived product is still the plan of its existing subscribers.
    for (const active of [true, false])
      for await (const product of stripe.products.list({ active, limit: 100 })) yield product;
  },
  async snapshot(tx: SqlTransaction, id: string) {
    const [row] = await tx.query(
      sql`SELECT "name", "active", "deleted", "features", "lifetime" FROM "Product" WHERE "id" = ${id}`,
    );
    return { products: row ?? null };
  },
};
