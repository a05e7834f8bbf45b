import { periodTypeOf } from '../catalog/catalog.mappers';
import type { LifetimePlanView } from '../purchases/purchases.repository';
import { isAddOn } from '../catalog/price-options';
import type {
  SubscriptionDiscountDto,
  SubscriptionDto,
  SubscriptionItemDto,
} from './dto/subscription.dto';
import { subscriptionGrants } from './entitlement-rules';
import { LIVE_STATUSES } from './subscription-status';
import type { SubscriptionView } from './subscriptions.repository';

export function toSubscriptionDto(
  row: SubscriptionView,
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
    trialEndBehavior: trialEndBehaviorOf(row.trialStart === null ? null : row.trialEndBehavior),
    paymentMethodRequired: paymentMethodRequired(row),
    // A paused subscription renews nothing until it is resumed.
    autoRenew: live && row.status !== 'paused' && !row.cancelAtPeriodEnd && row.cancelAt === null,
    entitled: subscriptionGrants(row, now, pastDueGraceDays),
    items: itemsOf(row),
  };
}

const TRIAL_END_BEHAVIORS = ['pause', 'cancel', 'create_invoice'] as const;

function trialEndBehaviorOf(value: string | null): SubscriptionDto['trialEndBehavior'] {
  return TRIAL_END_BEHAVIORS.find((known) => known === value) ?? null;
}

/**
 * "Add a card to continue": a trial, or a subscription paused at the end of one, with no card on
 * file — neither its own default payment method nor the customer's invoice default, the two a
 * renewal would be charged to. (Stripe always states a subscription's trial settings; a row
 * without them was mirrored before this service kept cards, and is not flagged.)
 */
export function paymentMethodRequired(
  row: Pick<SubscriptionView, 'status' | 'defaultPaymentMethodId' | 'trialEndBehavior'> & {
    account: { defaultPaymentMethodId: string | null };
  },
): boolean {
  if (row.status !== 'trialing' && row.status !== 'paused') return false;
  // A row mirrored before cards were, which Stripe has not sent again since: not known to lack one.
  if (row.trialEndBehavior === null) return false;
  return row.defaultPaymentMethodId === null && row.account.defaultPaymentMethodId === null;
}

/**
 * The plan's item first, then the others (add-ons) in the order they were added. A row mirrored
 * before items were kept shows its plan alone.
 */
function itemsOf(row: SubscriptionView): SubscriptionItemDto[] {
  const items: SubscriptionItemDto[] = row.items.map((item) => ({
    id: item.stripeId,
    priceId: item.priceId,
    productId: item.productId,
    productName: item.price.product.name,
    quantity: item.quantity,
    unitAmount: item.price.unitAmount,
    addOn: isAddOn(item.price.product.metadata),
    features: item.price.product.features,
  }));
  if (items.length === 0)
    return [
      {
        id: null,
        priceId: row.priceId,
        productId: row.productId,
        productName: row.price.product.name,
        quantity: row.quantity,
        unitAmount: row.price.unitAmount,
        addOn: false,
        features: row.price.product.features,
      },
    ];
  const plan = items.findIndex((item) => item.priceId === row.priceId);
  return plan <= 0 ? items : [items[plan], ...items.filter((_, index) => index !== plan)];
}

/**
 * A lifetime purchase as the account's plan ("my plan" shows it like a subscription that never
 * renews and never ends): period type ALL_TIME, no period end, no renewal.
 */
export function toLifetimePlanDto(row: LifetimePlanView): SubscriptionDto {
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
    trialEndBehavior: null,
    paymentMethodRequired: false,
    autoRenew: false,
    entitled: true,
    items: [
      {
        id: null,
        priceId: row.priceId,
        productId: row.productId,
        productName: price.product.name,
        quantity: row.quantity,
        unitAmount: price.unitAmount,
        addOn: false,
        features: price.product.features,
      },
    ],
  };
}
