import Stripe from 'stripe';
import { sql } from '../../database/sql';
import type { SqlTransaction } from '../../database/sql-client';
import { SubscriptionStatus } from '../../generated/prisma/enums';
import { accountUpdate } from '../engine/rows';
import { fromUnix, idOf } from '../stripe-ids';
import { digestOf } from './digest';
import type { Mapped, StripeKind } from './kind';

const STATUSES = Object.values(SubscriptionStatus);

/**
 * Statuses ordered as a subscription's life can only move: `incomplete` is only ever first,
 * `canceled` and `incomplete_expired` are final; every other status can follow any other.
 */
const STATUS_RANK: Record<SubscriptionStatus, number> = {
  incomplete: 0,
  trialing: 1,
  active: 1,
  past_due: 1,
  unpaid: 1,
  paused: 1,
  canceled: 2,
  incomplete_expired: 2,
};

/** The discount in force, as the subscription DTO shows it. */
export interface DiscountView {
  id: string;
  couponId: string;
  name: string | null;
  percentOff: number | null;
  amountOff: number | null;
  currency: string | null;
  duration: string;
  durationInMonths: number | null;
  end: string | null;
}

/** One item of a subscription: the plan, or an extra item (an add-on) beside it. */
export interface SubscriptionItemRow {
  stripeId: string;
  priceId: string;
  productId: string;
  quantity: number;
  stripeCreatedAt: Date;
}

export interface SubscriptionRow {
  stripeId: string;
  stripeCustomerId: string;
  status: SubscriptionStatus;
  priceId: string;
  productId: string;
  quantity: number;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | null;
  canceledAt: Date | null;
  endedAt: Date | null;
  trialStart: Date | null;
  trialEnd: Date | null;
  /** `trial_settings.end_behavior.missing_payment_method`: what a trial ending without a card does. */
  trialEndBehavior: string | null;
  /** The subscription's own default payment method (or default source). */
  defaultPaymentMethodId: string | null;
  /** Per period after discounts, minor units; null for a custom-amount price. */
  amount: number | null;
  discount: DiscountView | null;
  metadata: Record<string, string>;
  stripeCreatedAt: Date;
  currency: string;
  /** The latest invoice's id, and when it was created if it is unpaid (the failed payment). */
  latestInvoiceId: string | null;
  failedPaymentAt: Date | null;
  /** Every item, the plan's first, in Stripe's order. */
  items: SubscriptionItemRow[];
}

/**
 * The item that carries the plan: the first. Extra items (add-ons) are added after it, and a
 * plan change replaces its price in place, so it stays first.
 */
export function primaryItem(subscription: Stripe.Subscription): Stripe.SubscriptionItem {
  const item = subscription.items.data[0];
  if (item === undefined) throw new Error(`subscription ${subscription.id} has no items`);
  return item;
}

/** A status this API version does not list fails loudly rather than being guessed at. */
export function subscriptionStatusOf(subscription: Stripe.Subscription): SubscriptionStatus {
  const status = subscription.status as SubscriptionStatus;
  if (!STATUSES.includes(status)) {
    throw new Error(
      `subscription ${subscription.id} has an unknown status "${subscription.status}"`,
    );
  }
  return status;
}

const couponOf = (discount: Stripe.Discount): Stripe.Coupon | null =>
  typeof discount.source?.coupon === 'object' ? discount.source.coupon : null;

/** Discounts whose coupon terms are in the payload (expanded); ids alone are not enough. */
function expandedDiscounts(subscription: Stripe.Subscription): Stripe.Discount[] | null {
  const discounts: Stripe.Discount[] = [];
  for (const entry of subscription.discounts ?? []) {
    if (typeof entry === 'string' || couponOf(entry) === null) return null;
    discounts.push(entry);
  }
  return discounts;
}

/**
 * What the account pays per period: the price times the quantity, less the discounts in force
 * for the current period (Stripe rounds a percentage per line, half up).
 */
export function discountedAmount(subscription: Stripe.Subscription): {
  amount: number | null;
  discount: DiscountView | null;
} {
  const item = primaryItem(subscription);
  const lines = subscription.items.data.map((entry) =>
    entry.price.unit_amount === null ? null : entry.price.unit_amount * (entry.quantity ?? 1),
  );
  const discounts = expandedDiscounts(subscription) ?? [];
  const periodStart = item.current_period_start;
  const active = discounts.filter((d) => d.end === null || d.end > periodStart);
  if (lines.some((line) => line === null)) return { amount: null, discount: null };
  let perLine = lines as number[];
  let view: DiscountView | null = null;
  for (const discount of active) {
    const coupon = couponOf(discount);
    if (coupon === null) continue;
    const percentOff = coupon.percent_off;
    if (percentOff !== null)
      perLine = perLine.map((line) => Math.round((line * (100 - percentOff)) / 100));
    else if (coupon.amount_off !== null) {
      const total = Math.max(0, perLine.reduce((sum, line) => sum + line, 0) - coupon.amount_off);
      perLine = [total];
    }
    view ??= {
      id: discount.id,
      couponId: coupon.id,
      name: coupon.name ?? null,
      percentOff: coupon.percent_off ?? null,
      amountOff: coupon.amount_off ?? null,
      currency: coupon.currency ?? null,
      duration: coupon.duration,
      durationInMonths: coupon.duration_in_months ?? null,
      end: discount.end === null ? null : new Date(discount.end * 1000).toISOString(),
    };
  }
  return { amount: perLine.reduce((sum, line) => sum + line, 0), discount: view };
}

export function toSubscriptionRow(subscription: Stripe.Subscription): SubscriptionRow {
  const item = primaryItem(subscription);
  const customerId = idOf(subscription.customer);
  if (customerId === null) throw new Error(`subscription ${subscription.id} has no customer`);
  const latest = subscription.latest_invoice;
  const { amount, discount } = discountedAmount(subscription);
  return {
    stripeId: subscription.id,
    stripeCustomerId: customerId,
    status: subscriptionStatusOf(subscription),
    priceId: item.price.id,
    productId: idOf(item.price.product) ?? '',
    quantity: item.quantity ?? 1,
    currentPeriodStart: fromUnix(item.current_period_start),
    currentPeriodEnd: fromUnix(item.current_period_end),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    cancelAt: fromUnix(subscription.cancel_at),
    canceledAt: fromUnix(subscription.canceled_at),
    endedAt: fromUnix(subscription.ended_at),
    trialStart: fromUnix(subscription.trial_start),
    trialEnd: fromUnix(subscription.trial_end),
    trialEndBehavior: subscription.trial_settings?.end_behavior?.missing_payment_method ?? null,
    defaultPaymentMethodId:
      idOf(subscription.default_payment_method) ?? idOf(subscription.default_source),
    amount,
    discount,
    metadata: subscription.metadata ?? {},
    stripeCreatedAt: new Date(subscription.created * 1000),
    currency: subscription.currency,
    latestInvoiceId: idOf(latest),
    failedPaymentAt:
      typeof latest === 'object' && latest !== null && latest.status === 'open'
        ? new Date(latest.created * 1000)
        : null,
    items: subscription.items.data.map((entry) => ({
      stripeId: entry.id,
      priceId: entry.price.id,
      productId: idOf(entry.price.product) ?? '',
      quantity: entry.quantity ?? 1,
      stripeCreatedAt: new Date(entry.created * 1000),
    })),
  };
}

/** Coupon terms never change at Stripe: fetched once per process. */
const coupons = new Map<string, Stripe.Coupon>();
/** Nor do a discount's coupon and end: a discount seen once needs no fetch again. */
const discounts = new Map<string, Stripe.Discount>();

function remember(discount: Stripe.Discount): void {
  if (discounts.size > 10_000) discounts.clear();
  discounts.set(discount.id, discount);
}

async function withCoupons(
  stripe: Stripe,
  subscription: Stripe.Subscription,
): Promise<Stripe.Subscription> {
  const expandedList: Stripe.Discount[] = [];
  for (const entry of subscription.discounts ?? []) {
    if (typeof entry === 'string') return subscription;
    const couponId = entry.source?.coupon;
    if (typeof couponId !== 'string') {
      remember(entry);
      expandedList.push(entry);
      continue;
    }
    let coupon = coupons.get(couponId);
    if (coupon === undefined) {
      coupon = await stripe.coupons.retrieve(couponId);
      if (coupons.size > 10_000) coupons.clear();
      coupons.set(couponId, coupon);
    }
    const expanded = { ...entry, source: { ...entry.source, coupon } };
    remember(expanded);
    expandedList.push(expanded);
  }
  return { ...subscription, discounts: expandedList };
}

const isMissing = (error: unknown): boolean =>
  error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';

export const subscriptionKind: StripeKind<Stripe.Subscription, SubscriptionRow> = {
  name: 'subscription',
  objectType: 'subscription',
  eventTypes: [
    'customer.subscription.created',
    'customer.subscription.updated',
    'customer.subscription.deleted',
    'customer.subscription.paused',
    'customer.subscription.resumed',
    'customer.subscription.trial_will_end',
  ],
  deletionEvents: [],
  catalog: false,
  lockKeyOf: (subscription) => `customer:${idOf(subscription.customer) ?? subscription.id}`,
  customerOf: (subscription) => idOf(subscription.customer),
  // A thin payload has no items; a discount named only by id needs its coupon's terms.
  isComplete: (subscription) =>
    typeof subscription.status === 'string' &&
    Array.isArray(subscription.items?.data) &&
    subscription.items.data.length > 0 &&
    expandedDiscounts(subscription) !== null,
  isDeleted: () => false,
  enrich(subscription) {
    const entries = subscription.discounts ?? [];
    if (entries.every((entry) => typeof entry !== 'string')) return subscription;
    return {
      ...subscription,
      discounts: entries.map((entry) =>
        typeof entry === 'string' ? (discounts.get(entry) ?? entry) : entry,
      ),
    };
  },
  async fetch(stripe, id) {
    try {
      const subscription = await stripe.subscriptions.retrieve(id, {
        expand: ['latest_invoice', 'discounts'],
      });
      return await withCoupons(stripe, subscription);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  },
  map(subscription): Mapped<SubscriptionRow> {
    const row = toSubscriptionRow(subscription);
    const { failedPaymentAt: _, latestInvoiceId: __, ...written } = row;
    return {
      row,
      hash: digestOf(written),
      progress: [STATUS_RANK[row.status], primaryItem(subscription).current_period_start ?? 0],
      ownership: { customerId: row.stripeCustomerId, claims: [subscription.metadata?.accountId] },
      requiresAccount: 'subscription of no account',
      dependencies: subscription.items.data.map((entry) => ({
        kind: 'price' as const,
        price: entry.price,
      })),
    };
  },
  write(row, { account, eventCreated, bounds }) {
    if (account === null) return [];
    const ended = row.status === 'canceled' || row.status === 'incomplete_expired';
    // The grace window runs from the failed payment: the unpaid latest invoice's creation, as
    // recorded here or as Stripe says; else the second this state was seen. Kept once known.
    const failedAt = row.failedPaymentAt ?? new Date((eventCreated ?? bounds.from) * 1000);
    return [
      accountUpdate(account, true),
      sql`
      INSERT INTO "Subscription" ("id", "stripeId", "accountId", "stripeCustomerId", "status", "priceId", "productId",
        "quantity", "currentPeriodStart", "currentPeriodEnd", "cancelAtPeriodEnd", "cancelAt", "canceledAt", "endedAt",
        "trialStart", "trialEnd", "trialEndBehavior", "defaultPaymentMethodId", "pastDueSince", "amount", "discount", "metadata", "stripeCreatedAt", "stripeSyncedAt", "updatedAt")
      VALUES (gen_random_uuid(), ${row.stripeId}, ${account.id}::uuid, ${row.stripeCustomerId}, ${row.status}::"SubscriptionStatus",
        ${row.priceId}, ${row.productId}, ${row.quantity}, ${row.currentPeriodStart}, ${row.currentPeriodEnd},
        ${row.cancelAtPeriodEnd}, ${row.cancelAt}, ${row.canceledAt}, ${row.endedAt}, ${row.trialStart}, ${row.trialEnd},
        ${row.trialEndBehavior}, ${row.defaultPaymentMethodId},
        CASE WHEN ${row.status}::text = 'past_due' THEN COALESCE(
          (SELECT p."occurredAt" FROM "Payment" p WHERE p."stripeInvoiceId" = ${row.latestInvoiceId} AND p."status" = 'FAILED'),
          ${failedAt}::timestamptz) END,
        ${row.amount}, ${row.discount === null ? null : JSON.stringify(row.discount)}::jsonb,
        ${JSON.stringify(row.metadata)}::jsonb, ${row.stripeCreatedAt}, now(), now())
      ON CONFLICT ("stripeId") DO UPDATE SET
        "accountId" = EXCLUDED."accountId", "stripeCustomerId" = EXCLUDED."stripeCustomerId", "status" = EXCLUDED."status",
        "priceId" = EXCLUDED."priceId", "productId" = EXCLUDED."productId", "quantity" = EXCLUDED."quantity",
        "currentPeriodStart" = EXCLUDED."currentPeriodStart", "currentPeriodEnd" = EXCLUDED."currentPeriodEnd",
        "cancelAtPeriodEnd" = EXCLUDED."cancelAtPeriodEnd", "cancelAt" = EXCLUDED."cancelAt", "canceledAt" = EXCLUDED."canceledAt",
        "endedAt" = EXCLUDED."endedAt", "trialStart" = EXCLUDED."trialStart", "trialEnd" = EXCLUDED."trialEnd",
        "trialEndBehavior" = EXCLUDED."trialEndBehavior", "defaultPaymentMethodId" = EXCLUDED."defaultPaymentMethodId",
        "pastDueSince" = CASE WHEN EXCLUDED."status" = 'past_due'
          THEN COALESCE(CASE WHEN "Subscription"."status" = 'past_due' THEN "Subscription"."pastDueSince" END, EXCLUDED."pastDueSince") END,
        "amount" = EXCLUDED."amount", "discount" = EXCLUDED."discount", "metadata" = EXCLUDED."metadata",
        "stripeCreatedAt" = EXCLUDED."stripeCreatedAt", "stripeSyncedAt" = now(), "updatedAt" = now()`,
      // The items: the ones Stripe no longer lists go, the others are upserted by Stripe id.
      sql`DELETE FROM "SubscriptionItem" WHERE "subscriptionStripeId" = ${row.stripeId}
          AND NOT ("stripeId" = ANY(${row.items.map((item) => item.stripeId)}::text[]))`,
      ...row.items.map(
        (item) => sql`
      INSERT INTO "SubscriptionItem" ("id", "stripeId", "subscriptionStripeId", "accountId", "priceId", "productId",
        "quantity", "stripeCreatedAt", "updatedAt")
      VALUES (gen_random_uuid(), ${item.stripeId}, ${row.stripeId}, ${account.id}::uuid, ${item.priceId}, ${item.productId},
        ${item.quantity}, ${item.stripeCreatedAt}, now())
      ON CONFLICT ("stripeId") DO UPDATE SET "subscriptionStripeId" = EXCLUDED."subscriptionStripeId",
        "accountId" = EXCLUDED."accountId", "priceId" = EXCLUDED."priceId", "productId" = EXCLUDED."productId",
        "quantity" = EXCLUDED."quantity", "stripeCreatedAt" = EXCLUDED."stripeCreatedAt", "updatedAt" = now()`,
      ),
      ended
        ? sql`
      INSERT INTO "Payment" ("id", "sourceKey", "accountId", "type", "status", "amount", "currency", "description",
        "stripeSubscriptionId", "occurredAt", "updatedAt")
      VALUES (gen_random_uuid(), ${`cancel:${row.stripeId}`}, ${account.id}::uuid, 'SUBSCRIPTION', 'CANCELLED', 0, ${row.currency},
        'Subscription ended', ${row.stripeId}, ${row.endedAt ?? row.canceledAt ?? new Date((eventCreated ?? bounds.from) * 1000)}, now())
      ON CONFLICT ("sourceKey") DO UPDATE SET "accountId" = EXCLUDED."accountId", "occurredAt" = EXCLUDED."occurredAt",
        "currency" = EXCLUDED."currency", "updatedAt" = now()`
        : null,
    ];
  },
  async *list(stripe) {
    for await (const customer of stripe.customers.list({ limit: 100 }))
      for await (const subscription of stripe.subscriptions.list({
        customer: customer.id,
        status: 'all',
        limit: 100,
      }))
        yield subscription;
  },
  async snapshot(tx: SqlTransaction, id: string) {
    const [subscription] = await tx.query(
      sql`SELECT "status", "priceId", "quantity", "currentPeriodEnd", "cancelAtPeriodEnd", "canceledAt", "endedAt", "trialEnd"
          FROM "Subscription" WHERE "stripeId" = ${id}`,
    );
    const payments = await tx.query(
      sql`SELECT "sourceKey", "status", "amount" FROM "Payment" WHERE "sourceKey" = ${`cancel:${id}`}`,
    );
    return {
      subscriptions: subscription ?? null,
      payments: payments.length === 0 ? null : payments,
    };
  },
};
