import { periodTypeOf } from '../catalog/catalog.mappers';
import type { PurchaseWithProduct } from '../purchases/purchases.repository';
import type { SubscriptionDiscountDto, SubscriptionDto } from './dto/subscription.dto';
import { subscriptionGrants } from './entitlement-rules';
import { LIVE_STATUSES } from './subscription-status';
import type { SubscriptionWithPrice } from './subscriptions.repository';

export function toSubscriptionDto(
  row: SubscriptionWithPrice,
  now: Date,
  pastDueGraceDays: number,
): SubscriptionDto {
  const { price } = row;
  const live = LIVE_STATUSES.includes(row.status);
  return {
    kind: 'subscription',
    id: row.stripeId,
    status: row.status,
    priceId: row.priceId,
    productId: row.productId,
    productName: price.product.name,
    periodType: periodTypeOf({ ...price, lifetime: price.product.lifetime }),
    interval: price.interval,
    intervalCount: price.intervalCount,
    // The amount after discounts, as the sync engine stored it (DESIGN §3); rows written before
    // it was stored fall back to the list price.
    amount: row.amount ?? (price.unitAmount === null ? null : price.unitAmount * row.quantity),
    discount: (row.discount as SubscriptionDiscountDto | null) ?? null,
    currency: price.currency,
    quantity: row.quantity,
    currentPeriodStart: row.currentPeriodStart,
    currentPeriodEnd: row.currentPeriodEnd,
    cancelAtPeriodEnd: row.cancelAtPeriodEnd,
    canceledAt: row.canceledAt,
    endedAt: row.endedAt,
    trialStart: row.trialStart,
    trialEnd: row.trialEnd,
    autoRenew: live && !row.cancelAtPeriodEnd && row.cancelAt === null,
    entitled: subscriptionGrants(row, now, pastDueGraceDays),
  };
}

/**
 * A lifetime purchase as the account's plan ("my plan" shows it like a subscription that never
 * renews and never ends): period type ALL_TIME, no period end, no renewal.
 */
export function toLifetimePlanDto(row: PurchaseWithProduct): SubscriptionDto {
  const { price } = row;
  return {
    kind: 'lifetime',
    id: row.id,
    status: 'active',
    priceId: row.priceId,
    productId: row.productId,
    productName: price.product.name,
    periodType: 'ALL_TIME',
    interval: null,
    intervalCount: null,
    // What was paid, once (after any promotion code).
    amount: row.amount,
    discount: null,
    currency: row.currency,
    quantity: row.quantity,
    currentPeriodStart: row.purchasedAt,
    currentPeriodEnd: null,
    cancelAtPeriodEnd: false,
    canceledAt: null,
    endedAt: null,
    trialStart: null,
    trialEnd: null,
    autoRenew: false,
    entitled: true,
  };
}
