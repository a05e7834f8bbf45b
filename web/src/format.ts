import type { Price, Subscription } from '@billing-service/client';

export function money(amount: number | null | undefined, currency: string): string {
  if (amount === null || amount === undefined) return '—';
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: currency.toUpperCase(),
    minimumFractionDigits: amount % 100 === 0 ? 0 : 2,
  }).format(amount / 100);
}

export function date(value: string | null | undefined): string {
  if (!value) return '—';
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(value),
  );
}

const PERIODS: Record<string, string> = {
  DAILY: 'day',
  WEEKLY: 'week',
  MONTHLY: 'month',
  QUARTERLY: 'quarter',
  SEMIANNUAL: 'half-year',
  YEARLY: 'year',
};

/** "$29 / month", "$499 once". */
export function priceLabel(price: Pick<Price, 'unitAmount' | 'currency' | 'periodType'>): string {
  const per = PERIODS[price.periodType];
  return `${money(price.unitAmount, price.currency)}${per ? ` / ${per}` : ' once'}`;
}

export function subscriptionPrice(subscription: Subscription): string {
  if (subscription.periodType === 'ALL_TIME') return 'Lifetime';
  const per = PERIODS[subscription.periodType];
  return `${money(subscription.amount, subscription.currency)}${per ? ` / ${per}` : ''}`;
}

const STATUS_LABELS: Record<string, string> = {
  trialing: 'Trial',
  active: 'Active',
  past_due: 'Payment due',
  unpaid: 'Unpaid',
  paused: 'Paused',
  incomplete: 'Incomplete',
  incomplete_expired: 'Expired',
  canceled: 'Canceled',
};

export const statusLabel = (status: string): string => STATUS_LABELS[status] ?? status;
