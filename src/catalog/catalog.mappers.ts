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

/**
 * The trial a first subscription on a price gets: the price's own (`trial_days` metadata or
 * Stripe's recurring trial), else TRIAL_DAYS — and none at all when TRIAL_DAYS is 0 (trials off).
 */
export function effectiveTrialDays(priceTrialDays: number | null, configTrialDays: number): number {
  if (configTrialDays <= 0) return 0;
  return priceTrialDays ?? configTrialDays;
}
