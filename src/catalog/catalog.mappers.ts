import type Stripe from 'stripe';
import type { Prisma } from '../generated/prisma/client';

/** A price's billing period in words people use on a pricing page (DESIGN §3). */
export type PeriodType =
  | 'ALL_TIME'
  | 'ONE_TIME'
  | 'DAILY'
  | 'WEEKLY'
  | 'MONTHLY'
  | 'QUARTERLY'
  | 'SEMIANNUAL'
  | 'YEARLY'
  | 'CUSTOM';

export interface PeriodInput {
  type: 'RECURRING' | 'ONE_TIME';
  interval: string | null;
  intervalCount: number | null;
  /** The product is a lifetime grant (metadata lifetime=true). */
  lifetime: boolean;
}

export function periodTypeOf(price: PeriodInput): PeriodType {
  if (price.type === 'ONE_TIME') return price.lifetime ? 'ALL_TIME' : 'ONE_TIME';
  const count = price.intervalCount ?? 1;
  switch (price.interval) {
    case 'day':
      return count === 1 ? 'DAILY' : count === 7 ? 'WEEKLY' : 'CUSTOM';
    case 'week':
      return count === 1 ? 'WEEKLY' : 'CUSTOM';
    case 'month':
      return (
        ({ 1: 'MONTHLY', 3: 'QUARTERLY', 6: 'SEMIANNUAL', 12: 'YEARLY' } as const)[count] ??
        'CUSTOM'
      );
    case 'year':
      return count === 1 ? 'YEARLY' : 'CUSTOM';
    default:
      return 'CUSTOM';
  }
}

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

/** Per-price trial length from metadata `trial_days`, when a plan wants its own. */
export function trialDaysFromMetadata(
  metadata: Record<string, string> | null | undefined,
): number | null {
  const raw = metadata?.trial_days?.trim();
  if (raw === undefined || !/^\d{1,3}$/.test(raw)) return null;
  return Number(raw);
}

const fromUnix = (seconds: number | null | undefined): Date | null =>
  seconds === null || seconds === undefined ? null : new Date(seconds * 1000);

/** A Stripe product (or its deletion stub) as a Product row. */
export function toProductRow(
  product: Stripe.Product | Stripe.DeletedProduct,
): Prisma.ProductUncheckedCreateInput {
  if ('deleted' in product && product.deleted) {
    return {
      id: product.id,
      name: product.id,
      features: [],
      active: false,
      deleted: true,
      stripeSyncedAt: new Date(),
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
    stripeSyncedAt: new Date(),
  };
}

/** A Stripe price as a Price row; `deleted` prices stay for history but are never sold. */
export function toPriceRow(
  price: Stripe.Price | Stripe.DeletedPrice,
): Prisma.PriceUncheckedCreateInput | null {
  if ('deleted' in price && price.deleted) return null;
  const live = price;
  const productId = typeof live.product === 'string' ? live.product : live.product.id;
  return {
    id: live.id,
    productId,
    type: live.type === 'recurring' ? 'RECURRING' : 'ONE_TIME',
    unitAmount: live.unit_amount ?? null,
    currency: live.currency,
    interval: live.recurring?.interval ?? null,
    intervalCount: live.recurring?.interval_count ?? null,
    lookupKey: live.lookup_key ?? null,
    nickname: live.nickname ?? null,
    trialDays: trialDaysFromMetadata(live.metadata) ?? live.recurring?.trial_period_days ?? null,
    metadata: live.metadata ?? {},
    active: live.active,
    deleted: false,
    stripeCreatedAt: fromUnix(live.created),
    stripeSyncedAt: new Date(),
  };
}

/**
 * The trial a first subscription on a price gets: the price's own (`trial_days` metadata or
 * Stripe's recurring trial), else TRIAL_DAYS — and none at all when TRIAL_DAYS is 0 (trials off).
 */
export function effectiveTrialDays(priceTrialDays: number | null, configTrialDays: number): number {
  if (configTrialDays <= 0) return 0;
  return priceTrialDays ?? configTrialDays;
}
