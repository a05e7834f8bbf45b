import { Injectable } from '@nestjs/common';
import { sql } from '../../database/sql';
import { SqlClient } from '../../database/sql-client';
import type { StripePurpose } from '../../stripe/stripe-call-context';
import type { CatalogDependency } from '../kinds/kind';
import { productKind } from '../kinds/product.kind';
import { CoalescedFetcher } from './fetcher';
import { SyncClock } from './sync-clock';
import type { StateBounds } from './state';

export interface DependencyState {
  object: { id: string; object?: string };
  bounds: StateBounds;
  purpose: StripePurpose;
}

/** Ids seen in the catalog; rows are never removed (a deleted one is only flagged). */
const MAX_KNOWN = 100_000;

/**
 * Makes sure the products and prices a state refers to have rows before it is written (its
 * foreign keys): known ids cost nothing, unknown ones one query, and a missing one is written
 * from the price the object embeds — or, for a product, fetched from Stripe — each in its own
 * short transaction, before the state's own.
 */
@Injectable()
export class CatalogDirectory {
  private readonly products = new Set<string>();
  private readonly prices = new Set<string>();

  constructor(
    private readonly db: SqlClient,
    private readonly fetcher: CoalescedFetcher,
    private readonly clock: SyncClock,
  ) {}

  async ensure(
    dependencies: readonly CatalogDependency[],
    bounds: StateBounds,
    purpose: StripePurpose,
    apply: (state: DependencyState) => Promise<void>,
  ): Promise<void> {
    for (const dependency of dependencies) {
      if (dependency.kind === 'product') {
        await this.ensureProduct(dependency.id, purpose, apply);
        continue;
      }
      const { price } = dependency;
      if (this.prices.has(price.id)) continue;
      if (await this.exists('Price', price.id)) {
        this.remember(this.prices, price.id);
        continue;
      }
      await apply({ object: price, bounds, purpose });
      this.remember(this.prices, price.id);
    }
  }

  private async ensureProduct(
    id: string,
    purpose: StripePurpose,
    apply: (state: DependencyState) => Promise<void>,
  ): Promise<void> {
    if (this.products.has(id)) return;
    if (!(await this.exists('Product', id))) {
      const fetched = await this.fetcher.fetch(productKind, id, {
        notBefore: performance.now(),
        purpose,
        reason: 'dependency',
      });
      if (fetched.object === null) return;
      await apply({
        object: fetched.object,
        bounds: this.clock.fetchBounds(fetched.startedAt, fetched.endedAt),
        purpose,
      });
    }
    this.remember(this.products, id);
  }

  private async exists(table: 'Product' | 'Price', id: string): Promise<boolean> {
    const rows = await this.db.query(
      table === 'Product'
        ? sql`SELECT 1 FROM "Product" WHERE "id" = ${id}`
        : sql`SELECT 1 FROM "Price" WHERE "id" = ${id}`,
      `catalog_exists_${table}`,
    );
    return rows.length > 0;
  }

  private remember(set: Set<string>, id: string): void {
    if (set.size >= MAX_KNOWN) set.clear();
    set.add(id);
  }
}
