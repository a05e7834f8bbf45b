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

  async syncCatalog(): Promise<CatalogSyncReport> {
    const products: Stripe.Product[] = [];
    for await (const product of this.stripe.products.list({ limit: 100 })) products.push(product);
    const prices: Stripe.Price[] = [];
    for await (const price of this.stripe.prices.list({ limit: 100 })) prices.push(price);

    const removed = await this.repo.inLockedTransaction('catalog', async (tx) => {
      for (const product of products) await this.repo.upsertProduct(tx, toProductRow(product));
      for (const price of prices) {
        const row = toPriceRow(price);
        if (row !== null && products.some((p) => p.id === row.productId))
          await this.repo.upsertPrice(tx, row);
      }
      return this.repo.markCatalogDeletedExcept(
        tx,
        products.map((p) => p.id),
        prices.map((p) => p.id),
      );
    });
    const effects = new SyncEffects();
    effects.catalogChanged = true;
    this.effects.publish(effects);
    return { products: products.length, prices: prices.length, removed };
  }
}
