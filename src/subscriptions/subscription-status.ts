import type { SubscriptionStatus } from '../generated/prisma/enums';

/** Statuses in which a subscription is still the account's plan (DESIGN §3 "current"). */
export const LIVE_STATUSES: SubscriptionStatus[] = [
  'trialing',
  'active',
  'past_due',
  'unpaid',
  'paused',
  'incomplete',
];
