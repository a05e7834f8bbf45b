import type Stripe from 'stripe';

const DAY = 86_400;

/**
 * The end of the `count`-th period after `anchor`. Months are calendar months anchored on the
 * anchor's day, clamped to the month's last day (a 31 Jan anchor renews 28 Feb, then 31 Mar),
 * which is how Stripe keeps billing dates from drifting.
 */
export function addBillingPeriods(
  anchor: number,
  interval: Stripe.Price.Recurring.Interval,
  intervalCount: number,
  count: number,
): number {
  const steps = intervalCount * count;
  if (interval === 'day') return anchor + steps * DAY;
  if (interval === 'week') return anchor + steps * 7 * DAY;
  const months = interval === 'year' ? steps * 12 : steps;
  const start = new Date(anchor * 1000);
  const targetMonthIndex = start.getUTCMonth() + months;
  const year = start.getUTCFullYear() + Math.floor(targetMonthIndex / 12);
  const month = ((targetMonthIndex % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(start.getUTCDate(), lastDay);
  return Math.floor(
    Date.UTC(year, month, day, start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds()) /
      1000,
  );
}

/** The first period boundary after `after`, counting whole periods from `anchor`. */
export function nextPeriodEnd(
  anchor: number,
  interval: Stripe.Price.Recurring.Interval,
  intervalCount: number,
  after: number,
): number {
  let count = 1;
  let end = addBillingPeriods(anchor, interval, intervalCount, count);
  while (end <= after) {
    count += 1;
    end = addBillingPeriods(anchor, interval, intervalCount, count);
  }
  return end;
}

export const SECONDS_PER_DAY = DAY;

/** `billing_cycle_anchor_config`: the calendar position of the anchor. */
export interface AnchorConfig {
  dayOfMonth: number;
  month?: number;
  hour?: number;
  minute?: number;
  second?: number;
}

/**
 * The first moment after `after` that matches an anchor configuration: that day of the month
 * (clamped to the month's last day), in that month for yearly anchors, at that time of day
 * (UTC; what is not given keeps `after`'s time of day).
 */
export function anchorFromConfig(config: AnchorConfig, after: number): number {
  const base = new Date(after * 1000);
  const hour = config.hour ?? base.getUTCHours();
  const minute = config.minute ?? base.getUTCMinutes();
  const second = config.second ?? base.getUTCSeconds();
  for (let offset = 0; offset <= 24; offset += 1) {
    const monthIndex = base.getUTCMonth() + offset;
    const year = base.getUTCFullYear() + Math.floor(monthIndex / 12);
    const month = ((monthIndex % 12) + 12) % 12;
    if (config.month !== undefined && month !== config.month - 1) continue;
    const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    const day = Math.min(config.dayOfMonth, lastDay);
    const candidate = Math.floor(Date.UTC(year, month, day, hour, minute, second) / 1000);
    if (candidate > after) return candidate;
  }
  return after;
}
