import type { Price, Product } from '../generated/prisma/client';
import { effectiveTrialDays, periodTypeOf } from './catalog.mappers';
import { billingSchemeOf, isAddOn, seatBoundsOf } from './price-options';
import type { PriceDto, ProductDto } from './dto/catalog.dto';

const INTERVAL_DAYS: Record<string, number> = { day: 1, week: 7, month: 30, year: 365 };

/** Recurring before one-time; shorter periods first; then cheaper first. */
function priceOrder(a: Price, b: Price): number {
  if (a.type !== b.type) return a.type === 'RECURRING' ? -1 : 1;
  const days = (p: Price): number =>
    (INTERVAL_DAYS[p.interval ?? ''] ?? 0) * (p.intervalCount ?? 1);
  return days(a) - days(b) || (a.unitAmount ?? 0) - (b.unitAmount ?? 0) || a.id.localeCompare(b.id);
}

/**
 * `defaultTrialDays` is TRIAL_DAYS: a recurring price without its own `trial_days` metadata
 * offers that trial; 0 means none.
 */
export function toPriceDto(
  price: Price,
  product: Pick<Product, 'lifetime' | 'metadata'>,
  defaultTrialDays = 0,
): PriceDto {
  const trialDays =
    price.type === 'RECURRING' ? effectiveTrialDays(price.trialDays, defaultTrialDays) : 0;
  return {
    id: price.id,
    type: price.type === 'RECURRING' ? 'recurring' : 'one_time',
    unitAmount: price.unitAmount,
    currency: price.currency,
    interval: price.interval,
    intervalCount: price.intervalCount,
    periodType: periodTypeOf({ ...price, lifetime: product.lifetime }),
    nickname: price.nickname,
    lookupKey: price.lookupKey,
    trialDays: trialDays > 0 ? trialDays : null,
    billingScheme: billingSchemeOf(price.metadata, product.metadata),
    seats: seatBoundsOf(price.metadata, product.metadata),
  };
}

export function toProductDto(product: Product, prices: Price[], defaultTrialDays = 0): ProductDto {
  return {
    id: product.id,
    name: product.name,
    description: product.description,
    features: product.features,
    metadata: (product.metadata ?? {}) as Record<string, string>,
    addOn: isAddOn(product.metadata),
    prices: [...prices]
      .sort(priceOrder)
      .map((price) => toPriceDto(price, product, defaultTrialDays)),
  };
}

/** Products in pricing-page order: by their cheapest recurring price, one-time products last. */
export function productOrder(a: ProductDto, b: ProductDto): number {
  const key = (p: ProductDto): [number, number] => {
    const first = p.prices[0];
    return [first?.type === 'recurring' ? 0 : 1, first?.unitAmount ?? Number.MAX_SAFE_INTEGER];
  };
  const [ta, aa] = key(a);
  const [tb, ab] = key(b);
  return ta - tb || aa - ab || a.name.localeCompare(b.name);
}
