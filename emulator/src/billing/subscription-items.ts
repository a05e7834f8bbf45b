import type Stripe from 'stripe';
import {
  invalidRequest,
  parameterInvalid,
  parameterMissing,
  resourceMissing,
} from '../http/stripe-error';
import { newId } from '../store/ids';
import { addBillingPeriods } from './billing-periods';
import type { EmulatorCore } from './emulator-core';
import type { InvoiceLineSpec } from './invoice-builder';
import type { PriceService } from './prices';
import type { ProductService } from './products';

export type ProrationBehavior = 'create_prorations' | 'none' | 'always_invoice';

export interface SubscriptionItemInput {
  id?: string;
  price?: string;
  quantity?: number;
  deleted?: boolean;
  metadata?: Record<string, string>;
}

/** What an item change did: proration lines to bill, and whether the billing period restarted. */
export interface ItemChangeResult {
  prorations: InvoiceLineSpec[];
  periodReset: boolean;
}

function productId(price: Stripe.Price): string {
  return typeof price.product === 'string' ? price.product : price.product.id;
}

/** Subscription items: building them, and price/quantity changes with their prorations. */
export class SubscriptionItems {
  constructor(
    private readonly core: EmulatorCore,
    private readonly prices: PriceService,
    private readonly products: ProductService,
  ) {}

  productName(price: Stripe.Price): string {
    return this.products.nameOf(productId(price));
  }

  get(id: string): Stripe.SubscriptionItem {
    const owner = this.core.state.subscriptionItemOwner.get(id);
    const item =
      owner === undefined
        ? undefined
        : this.core.state.subscriptions.get(owner)?.items.data.find((entry) => entry.id === id);
    if (item === undefined) throw resourceMissing('subscription_item', id);
    return item;
  }

  /** Checks a subscription's item inputs before anything is created. */
  resolvePrices(
    items: SubscriptionItemInput[],
  ): { price: Stripe.Price; quantity: number; metadata: Record<string, string> }[] {
    return items.map((item, index) => ({
      price: this.prices.recurring(item.price, `items[${index}][price]`),
      quantity: item.quantity ?? 1,
      metadata: item.metadata ?? {},
    }));
  }

  toPlan(price: Stripe.Price): Stripe.Plan {
    const recurring = price.recurring as Stripe.Price.Recurring;
    return {
      id: price.id,
      object: 'plan',
      active: price.active,
      amount: price.unit_amount,
      amount_decimal: price.unit_amount_decimal,
      billing_scheme: 'per_unit',
      created: price.created,
      currency: price.currency,
      interval: recurring.interval,
      interval_count: recurring.interval_count,
      livemode: false,
      metadata: price.metadata,
      meter: null,
      nickname: price.nickname,
      product: price.product,
      tiers_mode: null,
      transform_usage: null,
      trial_period_days: recurring.trial_period_days,
      usage_type: 'licensed',
    };
  }

  build(
    subscriptionId: string,
    price: Stripe.Price,
    quantity: number,
    start: number,
    end: number,
    metadata: Record<string, string> = {},
    register = true,
  ): Stripe.SubscriptionItem {
    const item: Stripe.SubscriptionItem = {
      id: newId('si', 14),
      object: 'subscription_item',
      billing_thresholds: null,
      created: start,
      current_period_end: end,
      current_period_start: start,
      current_trial: null,
      discounts: [],
      metadata,
      plan: this.toPlan(price),
      price: structuredClone(price),
      quantity,
      subscription: subscriptionId,
      tax_rates: [],
    };
    if (register) this.core.state.subscriptionItemOwner.set(item.id, subscriptionId);
    return item;
  }

  /** Moves every item into a new period starting at `start`. */
  startPeriod(subscription: Stripe.Subscription, start: number): void {
    for (const item of subscription.items.data) {
      const recurring = item.price.recurring as Stripe.Price.Recurring;
      item.current_period_start = start;
      item.current_period_end = addBillingPeriods(
        start,
        recurring.interval,
        recurring.interval_count,
        1,
      );
    }
  }

  /** Credits for the unused rest of the current period of every item (cancellation with `prorate`). */
  unusedTimeCredits(subscription: Stripe.Subscription, now: number): InvoiceLineSpec[] {
    if (subscription.status === 'trialing') return [];
    const date = new Date(now * 1000).toISOString().slice(0, 10);
    return subscription.items.data
      .filter((item) => item.current_period_end > now)
      .map((item) => {
        const quantity = item.quantity ?? 1;
        const fraction =
          (item.current_period_end - now) /
          Math.max(1, item.current_period_end - item.current_period_start);
        return {
          amount: -Math.round((item.price.unit_amount ?? 0) * quantity * fraction),
          description: `Unused time on ${quantity} × ${this.productName(item.price)} after ${date}`,
          price: item.price,
          quantity,
          periodStart: now,
          periodEnd: item.current_period_end,
          subscriptionItem: item.id,
          invoiceItem: null,
          proration: true,
        };
      });
  }

  /** Starts a new billing cycle now for every item (`billing_cycle_anchor=now`). */
  restartPeriod(subscription: Stripe.Subscription, now: number): void {
    this.startPeriod(subscription, now);
    subscription.billing_cycle_anchor = now;
    subscription.billing_cycle_anchor_config = null;
    if (subscription.cancel_at_period_end)
      subscription.cancel_at = subscription.items.data[0].current_period_end;
  }

  /** A credit (-1) or charge (1) for an item's price from `at` to the end of its period. */
  private prorationLine(
    item: Stripe.SubscriptionItem,
    price: Stripe.Price,
    quantity: number,
    at: number,
    label: 'Unused time' | 'Remaining time',
    sign: 1 | -1,
  ): InvoiceLineSpec {
    const start = item.current_period_start;
    const end = item.current_period_end;
    const fraction = (end - at) / Math.max(1, end - start);
    const date = new Date(at * 1000).toISOString().slice(0, 10);
    return {
      amount: sign * Math.round((price.unit_amount ?? 0) * quantity * fraction),
      description: `${label} on ${quantity} × ${this.productName(price)} after ${date}`,
      price,
      quantity,
      periodStart: at,
      periodEnd: end,
      subscriptionItem: item.id,
      invoiceItem: null,
      proration: true,
    };
  }

  /** Checks item changes before any of them is applied, so a refusal changes nothing. */
  checkChanges(subscription: Stripe.Subscription, changes: SubscriptionItemInput[]): void {
    changes.forEach((change, index) => {
      const param = `items[${index}]`;
      const existing =
        change.id === undefined
          ? undefined
          : subscription.items.data.find((item) => item.id === change.id);
      if (change.id !== undefined && existing === undefined)
        throw resourceMissing('subscription_item', change.id, `${param}[id]`);
      if (change.deleted === true) return;
      const target =
        existing ??
        (subscription.items.data.length === 1 && change.price === undefined
          ? subscription.items.data[0]
          : undefined);
      const price =
        change.price !== undefined
          ? this.prices.recurring(change.price, `${param}[price]`)
          : (target?.price ?? null);
      if (price === null) throw parameterMissing(`${param}[price]`);
      if (price.currency !== subscription.currency)
        throw parameterInvalid(
          `${param}[price]`,
          'The price currency must match the subscription currency.',
        );
    });
    this.checkResultingItems(subscription, changes);
  }

  /**
   * What the items would be after the changes must still make a subscription: at least one item,
   * each price once, one billing interval for all (classic billing mode).
   */
  private checkResultingItems(
    subscription: Stripe.Subscription,
    changes: SubscriptionItemInput[],
  ): void {
    const prices = new Map(subscription.items.data.map((item) => [item.id, item.price]));
    const added: Stripe.Price[] = [];
    changes.forEach((change, index) => {
      const param = `items[${index}][price]`;
      if (change.id !== undefined && change.deleted === true) prices.delete(change.id);
      else if (change.id !== undefined && change.price !== undefined)
        prices.set(change.id, this.prices.recurring(change.price, param));
      else if (change.id === undefined && change.price !== undefined)
        added.push(this.prices.recurring(change.price, param));
    });
    const result = [...prices.values(), ...added];
    if (result.length === 0)
      throw invalidRequest(
        'A subscription must have at least one active plan. To cancel a subscription, please use the cancel API endpoint.',
      );
    const ids = result.map((price) => price.id);
    const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
    if (duplicate !== undefined)
      throw invalidRequest(
        `Cannot add multiple subscription items with the same plan: ${duplicate}`,
        undefined,
        'items',
      );
    const intervals = new Set(
      result.map((price) => `${price.recurring?.interval}/${price.recurring?.interval_count}`),
    );
    if (intervals.size > 1)
      throw invalidRequest(
        'Currency and interval fields must match across all plans on this subscription. Found mismatch in interval field.',
        undefined,
        'items',
      );
  }

  /**
   * Applies price/quantity changes. Prorations credit the unused time of the old price and charge
   * the remaining time of the new one, to the second. An interval change (month → year) restarts
   * the billing period now, as Stripe does.
   */
  change(
    subscription: Stripe.Subscription,
    changes: SubscriptionItemInput[],
    behavior: ProrationBehavior,
    now: number,
    /** False for a preview: new items are not registered as the subscription's. */
    register = true,
    /** Prorations as if the change happened then (`proration_date`); default `now`. */
    prorationAt = now,
  ): ItemChangeResult {
    this.checkChanges(subscription, changes);
    const prorations: InvoiceLineSpec[] = [];
    let periodReset = false;
    const trialing = subscription.status === 'trialing';
    changes.forEach((change, index) => {
      const existing =
        change.id !== undefined
          ? subscription.items.data.find((item) => item.id === change.id)
          : undefined;
      if (existing !== undefined && change.deleted === true) {
        // A removed item is credited for the time it will not be used, as Stripe does.
        const quantity = existing.quantity ?? 1;
        if (!trialing && behavior !== 'none' && existing.current_period_end > prorationAt)
          prorations.push(
            this.prorationLine(existing, existing.price, quantity, prorationAt, 'Unused time', -1),
          );
        subscription.items.data = subscription.items.data.filter((item) => item.id !== existing.id);
        return;
      }
      const target =
        existing ??
        (subscription.items.data.length === 1 && change.price === undefined
          ? subscription.items.data[0]
          : undefined);
      const newPrice =
        change.price !== undefined
          ? this.prices.recurring(change.price, `items[${index}][price]`)
          : (target as Stripe.SubscriptionItem).price;
      const newQuantity = change.quantity ?? target?.quantity ?? 1;
      if (target === undefined) {
        const periodStart = subscription.items.data[0]?.current_period_start ?? now;
        const periodEnd = subscription.items.data[0]?.current_period_end ?? now;
        const added = this.build(
          subscription.id,
          newPrice,
          newQuantity,
          periodStart,
          periodEnd,
          change.metadata ?? {},
          register,
        );
        subscription.items.data.push(added);
        // An item added mid-period is charged for the rest of the period, as Stripe does.
        if (!trialing && behavior !== 'none' && periodEnd > prorationAt && periodEnd > periodStart)
          prorations.push(
            this.prorationLine(added, newPrice, newQuantity, prorationAt, 'Remaining time', 1),
          );
        return;
      }
      if (change.metadata !== undefined) target.metadata = change.metadata;
      const oldPrice = target.price;
      const oldQuantity = target.quantity ?? 1;
      if (oldPrice.id === newPrice.id && oldQuantity === newQuantity) return;
      const oldRecurring = oldPrice.recurring as Stripe.Price.Recurring;
      const newRecurring = newPrice.recurring as Stripe.Price.Recurring;
      const intervalChanged =
        oldRecurring.interval !== newRecurring.interval ||
        oldRecurring.interval_count !== newRecurring.interval_count;
      const start = target.current_period_start;
      const end = target.current_period_end;
      if (!trialing && behavior !== 'none' && end > prorationAt) {
        const fraction = (end - prorationAt) / Math.max(1, end - start);
        const date = new Date(prorationAt * 1000).toISOString().slice(0, 10);
        prorations.push({
          amount: -Math.round((oldPrice.unit_amount ?? 0) * oldQuantity * fraction),
          description: `Unused time on ${oldQuantity} × ${this.productName(oldPrice)} after ${date}`,
          price: oldPrice,
          quantity: oldQuantity,
          periodStart: prorationAt,
          periodEnd: end,
          subscriptionItem: target.id,
          invoiceItem: null,
          proration: true,
        });
        if (!intervalChanged) {
          prorations.push({
            amount: Math.round((newPrice.unit_amount ?? 0) * newQuantity * fraction),
            description: `Remaining time on ${newQuantity} × ${this.productName(newPrice)} after ${date}`,
            price: newPrice,
            quantity: newQuantity,
            periodStart: prorationAt,
            periodEnd: end,
            subscriptionItem: target.id,
            invoiceItem: null,
            proration: true,
          });
        }
      }
      target.price = structuredClone(newPrice);
      target.plan = this.toPlan(newPrice);
      target.quantity = newQuantity;
      if (intervalChanged && !trialing) {
        periodReset = true;
        target.current_period_start = now;
        target.current_period_end = addBillingPeriods(
          now,
          newRecurring.interval,
          newRecurring.interval_count,
          1,
        );
      }
    });
    if (periodReset) {
      subscription.billing_cycle_anchor = now;
      const end = subscription.items.data[0].current_period_end;
      for (const item of subscription.items.data) {
        item.current_period_start = now;
        item.current_period_end = end;
      }
      if (subscription.cancel_at_period_end) subscription.cancel_at = end;
    }
    return { prorations, periodReset };
  }
}
