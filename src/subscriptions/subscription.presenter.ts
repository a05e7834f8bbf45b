import { periodTypeOf } from '../catalog/catalog.mappers';
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
