import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { toPriceRow, toProductRow } from '../catalog/catalog.mappers';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { SyncEffects } from './billing-sync.service';
import { SyncEffectsBus } from './sync-effects.bus';
import { SyncRepository } from './sync.repository';

export interface CatalogSyncReport {
  products: number;
  prices: number;
  /** Local rows Stripe no longer has, now marked deleted. */
  removed: string[];
}

/**
 * Mirrors Stripe's whole catalog (active and archived) into the database, so that a fresh
 * database shows the plans at once and a missed product or price event is repaired.
 */
@Injectable()
export class CatalogSyncService {
  constructor(
    private readonly repo: SyncRepository,
    private readonly effects: SyncEffectsBus,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
  ) {}

  /**
   * Every product and price, active and archived: Stripe lists only active prices unless asked
   * for the inactive ones, and an archived price is still the plan of its existing subscribers.
   */
  async fetchCatalog(): Promise<{ products: Stripe.Product[]; prices: Stripe.Price[] }> {
    const products: Stripe.Product[] = [];
    const prices: Stripe.Price[] = [];
    for (const active of [true, false]) {
      for await (const product of this.stripe.products.list({ active, limit: 100 }))
        products.push(product);
      for await (const price of this.stripe.prices.list({ active, limit: 100 })) prices.push(price);
    }
    return { products, prices };
  }

  async syncCatalog(): Promise<CatalogSyncReport> {
    // Listed under the lock: a product created meanwhile, and written by its own webhook, is
    // then either in the lists or not yet written — never marked deleted by a stale list.
    const report = await this.repo.inLockedTransaction('catalog', async (tx) => {
      const { products, prices } = await this.fetchCatalog();
      for (const product of products) await this.repo.upsertProduct(tx, toProductRow(product));
      for (const price of prices) {
        const row = toPriceRow(price);
        if (row !== null && products.some((p) => p.id === row.productId))
          await this.repo.upsertPrice(tx, row);
      }
      const removed = await this.repo.markCatalogDeletedExcept(
        tx,
        products.map((p) => p.id),
        prices.map((p) => p.id),
      );
      return { products: products.length, prices: prices.length, removed };
    });
    const effects = new SyncEffects();
    effects.catalogChanged = true;
    this.effects.publish(effects);
    return report;
  }
}
