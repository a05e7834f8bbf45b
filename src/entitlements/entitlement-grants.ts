import type { SubscriptionStatus } from '../generated/prisma/enums';
import { subscriptionGrants } from '../subscriptions/entitlement-rules';

const DAY_MS = 86_400_000;

/**
 * Subscription statuses that can grant features at some `now` (see `subscriptionGrants`):
 * the database pre-filters on them, the rule decides.
 */
export const GRANTING_STATUSES: readonly SubscriptionStatus[] = ['trialing', 'active', 'past_due'];

/** One candidate grant of an account: a subscription, or a lifetime purchase still in force. */
export interface GrantRow {
  source: 'subscription' | 'lifetime';
  productId: string;
  productName: string;
  features: string[];
  /** Stripe subscription id; null for a lifetime purchase. */
  subscriptionId: string | null;
  status: SubscriptionStatus | null;
  pastDueSince: Date | null;
  currentPeriodEnd: Date | null;
  /** When the subscription was created or the purchase made: plans are listed newest first. */
  since: Date;
}

export interface EntitlementPlan {
  productId: string;
  productName: string;
  source: 'subscription' | 'lifetime';
  subscriptionId?: string;
  status?: SubscriptionStatus;
  /** When this grant ends unless paid again; null for a lifetime grant. */
  validUntil: Date | null;
}

export interface Entitlements {
  /** Sorted, without duplicates. */
  features: string[];
  featureSet: ReadonlySet<string>;
  plans: EntitlementPlan[];
  /** Null when a lifetime grant exists (nothing ends) or when nothing is granted. */
  validUntil: Date | null;
  /**
   * The next moment this answer changes by the passage of time alone (a past_due grace window
   * running out), so a cached answer knows when to be recomputed; null if none.
   */
  changesAt: Date | null;
}

function graceEndOf(row: GrantRow, pastDueGraceDays: number): Date | null {
  if (row.status !== 'past_due' || row.pastDueSince === null) return null;
  return new Date(row.pastDueSince.getTime() + pastDueGraceDays * DAY_MS);
}

function earlier(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() <= b.getTime() ? a : b;
}

/**
 * What an account is entitled to at `now` (DESIGN §7): the union of the features of granting
 * subscriptions (trialing, active — a pending cancellation included —, past_due within the
 * grace window) and of lifetime purchases.
 */
export function computeEntitlements(
  rows: readonly GrantRow[],
  now: Date,
  pastDueGraceDays: number,
): Entitlements {
  const features = new Set<string>();
  const plans: EntitlementPlan[] = [];
  let changesAt: Date | null = null;
  let latestEnd: Date | null = null;
  let lifetime = false;

  for (const row of rows) {
    if (row.source === 'lifetime') {
      lifetime = true;
      plans.push({
        productId: row.productId,
        productName: row.productName,
        source: 'lifetime',
        validUntil: null,
      });
    } else {
      if (row.status === null) continue;
      const subscription = {
        status: row.status,
        pastDueSince: row.pastDueSince,
        currentPeriodEnd: row.currentPeriodEnd,
      };
      if (!subscriptionGrants(subscription, now, pastDueGraceDays)) continue;
      // A past_due subscription's period has already rolled over unpaid: access ends with the
      // grace window, not with that period.
      const graceEnd = graceEndOf(row, pastDueGraceDays);
      const validUntil = earlier(graceEnd, row.currentPeriodEnd);
      changesAt = earlier(changesAt, graceEnd);
      if (validUntil !== null && (latestEnd === null || validUntil > latestEnd)) {
        latestEnd = validUntil;
      }
      plans.push({
        productId: row.productId,
        productName: row.productName,
        source: 'subscription',
        ...(row.subscriptionId === null ? {} : { subscriptionId: row.subscriptionId }),
        status: row.status,
        validUntil,
      });
    }
    for (const feature of row.features) features.add(feature);
  }

  const sorted = [...features].sort();
  return {
    features: sorted,
    featureSet: new Set(sorted),
    plans,
    validUntil: lifetime ? null : latestEnd,
    changesAt,
  };
}
