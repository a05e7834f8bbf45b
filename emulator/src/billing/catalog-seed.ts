import type Stripe from 'stripe';
import { invalidRequest } from '../http/stripe-error';
import type { Catalog } from './stripe-domain';
import type { EmulatorState } from '../store/emulator-state';

/** The catalog file format (emulator/catalog/sandbox-catalog.json). Ids are fixed so apps can refer to them. */
export interface CatalogDocument {
  products: {
    id: string;
    name: string;
    description?: string;
    active?: boolean;
    metadata?: Record<string, string>;
    default_price?: string;
    prices: {
      id: string;
      unit_amount: number;
      currency: string;
      recurring?: {
        interval: Stripe.Price.Recurring.Interval;
        interval_count?: number;
        trial_period_days?: number;
      };
      lookup_key?: string;
      nickname?: string;
      active?: boolean;
      metadata?: Record<string, string>;
    }[];
  }[];
  coupons?: {
    id: string;
    name?: string;
    percent_off?: number;
    amount_off?: number;
    currency?: string;
    duration: Stripe.Coupon.Duration;
    duration_in_months?: number;
    promotion_codes?: { code: string; active?: boolean }[];
  }[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseCatalogDocument(value: unknown): CatalogDocument {
  if (!isRecord(value) || !Array.isArray(value.products)) {
    throw invalidRequest('A catalog needs a `products` array.', 'parameter_invalid', 'products');
  }
  for (const product of value.products as unknown[]) {
    if (
      !isRecord(product) ||
      typeof product.id !== 'string' ||
      typeof product.name !== 'string' ||
      !Array.isArray(product.prices)
    ) {
      throw invalidRequest(
        'Every catalog product needs `id`, `name` and `prices`.',
        'parameter_invalid',
        'products',
      );
    }
  }
  if (value.coupons !== undefined && !Array.isArray(value.coupons)) {
    throw invalidRequest('`coupons` must be an array.', 'parameter_invalid', 'coupons');
  }
  return value as unknown as CatalogDocument;
}

/**
 * Creates the catalog through the ordinary API code path, so product/price/coupon events are
 * emitted exactly as if an operator had created them. Objects that already exist are left alone,
 * which makes seeding repeatable.
 */
export function seedCatalog(
  catalog: Catalog,
  state: EmulatorState,
  document: CatalogDocument,
): { created: string[] } {
  const created: string[] = [];
  for (const product of document.products) {
    if (!state.products.has(product.id)) {
      catalog.products.create({
        id: product.id,
        name: product.name,
        description: product.description ?? null,
        active: product.active,
        metadata: product.metadata ?? {},
      });
      created.push(product.id);
    }
    for (const price of product.prices) {
      if (state.prices.has(price.id)) continue;
      catalog.prices.create({
        id: price.id,
        product: product.id,
        currency: price.currency,
        unitAmount: price.unit_amount,
        lookupKey: price.lookup_key ?? null,
        nickname: price.nickname ?? null,
        active: price.active,
        metadata: price.metadata ?? {},
        recurring:
          price.recurring === undefined
            ? null
            : {
                interval: price.recurring.interval,
                intervalCount: price.recurring.interval_count,
                trialPeriodDays: price.recurring.trial_period_days ?? null,
              },
      });
      created.push(price.id);
    }
    const defaultPrice = product.default_price ?? product.prices[0]?.id;
    if (defaultPrice !== undefined && state.products.get(product.id)?.default_price === null) {
      catalog.products.update(product.id, { defaultPrice });
    }
  }
  for (const coupon of document.coupons ?? []) {
    if (!state.coupons.has(coupon.id)) {
      catalog.coupons.create({
        id: coupon.id,
        name: coupon.name ?? null,
        percentOff: coupon.percent_off,
        amountOff: coupon.amount_off,
        currency: coupon.currency,
        duration: coupon.duration,
        durationInMonths: coupon.duration_in_months,
      });
      created.push(coupon.id);
    }
    for (const promotion of coupon.promotion_codes ?? []) {
      const exists = [...state.promotionCodes.values()].some(
        (existing) => existing.code.toUpperCase() === promotion.code.toUpperCase(),
      );
      if (exists) continue;
      created.push(
        catalog.promotionCodes.create({
          coupon: coupon.id,
          code: promotion.code,
          active: promotion.active,
        }).id,
      );
    }
  }
  return { created };
}
