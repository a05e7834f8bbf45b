import type { Subscription } from '../generated/prisma/client';

/**
 * Whether a subscription grants its features at `now` (DESIGN §7): trialing or active (a
 * pending cancellation keeps access until the period ends), or past_due while the grace
 * window since the failed payment lasts.
 */
export function subscriptionGrants(
  subscription: Pick<Subscription, 'status' | 'pastDueSince' | 'currentPeriodEnd'>,
  now: Date,
  pastDueGraceDays: number,
): boolean {
  switch (subscription.status) {
    case 'trialing':
    case 'active':
      return true;
    case 'past_due': {
      const since = subscription.pastDueSince ?? now;
      return now.getTime() < since.getTime() + pastDueGraceDays * 86_400_000;
    }
    default:
      return false;
  }
}
