import type { SubscriptionStatus } from '../generated/prisma/enums';

/** Stripe's subscription statuses in this API version, as the database stores them. */
export const SUBSCRIPTION_STATUSES: readonly SubscriptionStatus[] = [
  'incomplete',
  'incomplete_expired',
  'trialing',
  'active',
  'past_due',
  'canceled',
  'unpaid',
  'paused',
];

/** Statuses in which a subscription is still the account's plan (DESIGN §3 "current"). */
export const LIVE_STATUSES: SubscriptionStatus[] = [
  'trialing',
  'active',
  'past_due',
  'unpaid',
  'paused',
  'incomplete',
];
