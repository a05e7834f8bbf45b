import { Inject, Injectable } from '@nestjs/common';
import { AccountsRepository } from '../accounts/accounts.repository';
import { CLOCK, type Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { AccountRef } from '../auth/request-context';
import { ApiError } from '../errors/api-error';
import { PurchasesRepository } from '../purchases/purchases.repository';
import { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';
import { BillingSync } from '../sync';
import { CatalogRepository } from './catalog.repository';
import { productOrder, toPriceDto, toProductDto } from './catalog.presenter';
import type { CatalogQueryDto, PriceWithProductDto, ProductDto } from './dto/catalog.dto';

/** Seconds a catalog read may be served from memory when another instance changed it. */
const CATALOG_TTL_MS = 30_000;

@Injectable()
export class CatalogService {
  private cached?: { products: ProductDto[]; at: number };

  constructor(
    private readonly catalog: CatalogRepository,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly purchases: PurchasesRepository,
    sync: BillingSync,
    private readonly accounts: AccountsRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    sync.onCommitted((changed) => {
      if (changed.catalogChanged) this.cached = undefined;
    });
  }

  async listProducts(
    query: CatalogQueryDto,
    account: AccountRef | undefined,
  ): Promise<ProductDto[]> {
    let products = await this.activeProducts();
    if (query.type !== undefined) {
      const wanted = query.type;
      products = products
        .map((product) => ({
          ...product,
          prices: product.prices.filter((price) => price.type === wanted),
        }))
        .filter((product) => product.prices.length > 0);
    }
    if (account === undefined) return products;

    const now = this.clock.now();
    const [{ live, current }, lifetime, trialUsed] = await Promise.all([
      this.subscriptions.findLiveAndCurrent(account.id, now),
      this.purchases.findActiveLifetimeByAccount(account.id),
      this.trialUsed(account.id),
    ]);
    const held = new Set([...live.map((s) => s.productId), ...lifetime.map((p) => p.productId)]);
    const flagged = products.map((product) => ({
      ...product,
      // The pricing page should not promise a trial checkout will not give (one per account).
      prices: trialUsed
        ? product.prices.map((price) => ({ ...price, trialDays: null }))
        : product.prices,
      subscribed: held.has(product.id),
      current: current?.productId === product.id,
    }));
    return query.excludeSubscribed === true
      ? flagged.filter((product) => !product.subscribed)
      : flagged;
  }

  private async trialUsed(accountId: string): Promise<boolean> {
    const account = await this.accounts.findById(accountId);
    return account?.hadTrial === true || (await this.subscriptions.countByAccount(accountId)) > 0;
  }

  async getPrice(priceId: string): Promise<PriceWithProductDto> {
    const price = await this.catalog.findPrice(priceId);
    if (price === null || price.deleted) throw new ApiError('PRICE_NOT_FOUND');
    const { prices: _, ...product } = toProductDto(price.product, []);
    return { ...toPriceDto(price, price.product, this.config.billing.trialDays), product };
  }

  private async activeProducts(): Promise<ProductDto[]> {
    const now = Date.now();
    if (this.cached !== undefined && now - this.cached.at < CATALOG_TTL_MS)
      return this.cached.products;
    const rows = await this.catalog.findActiveProducts();
    const products = rows
      .filter((row) => row.prices.length > 0)
      .map((row) => toProductDto(row, row.prices, this.config.billing.trialDays))
      .sort(productOrder);
    this.cached = { products, at: now };
    return products;
  }
}
