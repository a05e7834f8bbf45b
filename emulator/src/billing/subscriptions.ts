import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import {
  invalidRequest,
  parameterInvalid,
  parameterMissing,
  resourceMissing,
} from '../http/stripe-error';
import { newId } from '../store/ids';
import type { SubscriptionSchedule } from '../store/emulator-state';
import { addBillingPeriods, SECONDS_PER_DAY } from './billing-periods';
import type { CatalogService } from './catalog';
import type { CustomerService } from './customers';
import type { EmulatorCore } from './emulator-core';
import type { InvoiceLineSpec, InvoiceService, PaymentAttemptResult } from './invoices';
import { cardError } from './customers';
import { wireDecimal } from './wire-decimal';

export type ProrationBehavior = 'create_prorations' | 'none' | 'always_invoice';

export interface SubscriptionItemInput {
  id?: string;
  price?: string;
  quantity?: number;
  deleted?: boolean;
  metadata?: Record<string, string>;
}

export interface SubscriptionCreateInput {
  customer: string;
  items: SubscriptionItemInput[];
  defaultPaymentMethod?: string | null;
  trialPeriodDays?: number;
  trialEnd?: number | 'now';
  metadata?: Record<string, string>;
  couponId?: string | null;
  promotionCodeId?: string | null;
  cancelAtPeriodEnd?: boolean;
  description?: string | null;
  paymentBehavior?:
    'allow_incomplete' | 'error_if_incomplete' | 'default_incomplete' | 'pending_if_incomplete';
  checkoutSession?: string | null;
  /** What happens when the trial ends and there is no payment method. */
  missingPaymentMethod?: Stripe.Subscription.TrialSettings.EndBehavior.MissingPaymentMethod;
}

export interface SubscriptionUpdateInput {
  items?: SubscriptionItemInput[];
  prorationBehavior?: ProrationBehavior;
  cancelAtPeriodEnd?: boolean;
  cancelAt?: number | null;
  metadata?: Record<string, string>;
  defaultPaymentMethod?: string | null;
  description?: string | null;
  trialEnd?: number | 'now';
  couponId?: string | null;
  promotionCodeId?: string | null;
  cancellationComment?: string | null;
  cancellationFeedback?: Stripe.Subscription.CancellationDetails.Feedback | null;
}

/** Failed renewals are retried this many days after the first failure; after the last, the subscription is canceled. */
export const DUNNING_RETRY_DAYS = [3, 5, 7];
/** `customer.subscription.trial_will_end` is sent this long before the trial ends. */
export const TRIAL_WILL_END_NOTICE_SECONDS = 3 * SECONDS_PER_DAY;
/** An `incomplete` subscription whose first invoice is never paid expires after 23 hours. */
export const INCOMPLETE_EXPIRY_SECONDS = 23 * 3600;

const LIVE_STATUSES: readonly Stripe.Subscription.Status[] = [
  'trialing',
  'active',
  'past_due',
  'unpaid',
  'paused',
  'incomplete',
];

export function isLiveSubscription(subscription: Stripe.Subscription): boolean {
  return LIVE_STATUSES.includes(subscription.status);
}

/** Subscriptions: creation, changes, cancellation, and the periodic work the clock triggers. */
export class SubscriptionService {
  constructor(
    private readonly core: EmulatorCore,
    private readonly customers: CustomerService,
    private readonly catalog: CatalogService,
    private readonly invoices: InvoiceService,
  ) {
    invoices.onPaymentFailing = (invoice) => this.scheduleRetry(invoice);
    invoices.onPaymentResult = (invoice, result) => this.afterInvoicePayment(invoice, result);
    customers.onCustomerDeleted = (subscriptionId) => {
      this.cancel(subscriptionId, {});
    };
  }

  get(id: string, param = 'id'): Stripe.Subscription {
    const subscription = this.core.state.subscriptions.get(id);
    if (subscription === undefined) throw resourceMissing('subscription', id, param);
    return subscription;
  }

  getItem(id: string): Stripe.SubscriptionItem {
    const owner = this.core.state.subscriptionItemOwner.get(id);
    const item =
      owner === undefined
        ? undefined
        : this.core.state.subscriptions.get(owner)?.items.data.find((entry) => entry.id === id);
    if (item === undefined) throw resourceMissing('subscription_item', id);
    return item;
  }

  customerOf(subscription: Stripe.Subscription): string {
    return typeof subscription.customer === 'string'
      ? subscription.customer
      : subscription.customer.id;
  }

  private now(subscription: Stripe.Subscription): number {
    return this.customers.nowFor(this.customerOf(subscription));
  }

  private schedule(subscriptionId: string): SubscriptionSchedule {
    let schedule = this.core.state.subscriptionSchedules.get(subscriptionId);
    if (schedule === undefined) {
      schedule = { trialWillEndSentFor: null, dunning: null };
      this.core.state.subscriptionSchedules.set(subscriptionId, schedule);
    }
    return schedule;
  }

  private recurringPrice(priceId: string | undefined, param: string): Stripe.Price {
    if (priceId === undefined) throw parameterMissing(param);
    const price = this.catalog.getPrice(priceId, param);
    if (price.recurring === null) {
      throw parameterInvalid(
        param,
        `The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`,
      );
    }
    if (!price.active)
      throw parameterInvalid(
        param,
        `The price specified is inactive. This field only accepts active prices.`,
      );
    return price;
  }

  private toPlan(price: Stripe.Price): Stripe.Plan {
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

  private buildItem(
    subscriptionId: string,
    price: Stripe.Price,
    quantity: number,
    start: number,
    end: number,
    metadata: Record<string, string> = {},
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
    this.core.state.subscriptionItemOwner.set(item.id, subscriptionId);
    return item;
  }

  private productName(price: Stripe.Price): string {
    const productId = typeof price.product === 'string' ? price.product : price.product.id;
    return this.core.state.products.get(productId)?.name ?? productId;
  }

  private createDiscount(
    subscriptionId: string,
    customerId: string,
    couponId: string,
    promotionCodeId: string | null,
    start: number,
    checkoutSession: string | null,
  ): Stripe.Discount {
    const coupon = this.catalog.getCoupon(couponId, 'discounts[0][coupon]');
    if (!coupon.valid) throw parameterInvalid('coupon', `Coupon ${coupon.id} is no longer valid.`);
    const end =
      coupon.duration === 'repeating' && coupon.duration_in_months !== null
        ? addBillingPeriods(start, 'month', coupon.duration_in_months, 1)
        : null;
    const discount: Stripe.Discount = {
      id: newId('di'),
      object: 'discount',
      checkout_session: checkoutSession,
      customer: customerId,
      customer_account: null,
      end,
      invoice: null,
      invoice_item: null,
      promotion_code: promotionCodeId,
      source: { coupon: coupon.id, type: 'coupon' },
      start,
      subscription: subscriptionId,
      subscription_item: null,
    };
    this.core.state.discounts.put(discount);
    this.catalog.recordRedemption(coupon.id, promotionCodeId);
    return discount;
  }

  /** The discount that applies to an invoice created now, if any. */
  private activeDiscount(
    subscription: Stripe.Subscription,
    now: number,
  ): { discount: Stripe.Discount; coupon: Stripe.Coupon } | null {
    for (const entry of subscription.discounts) {
      const discount = this.core.state.discounts.get(typeof entry === 'string' ? entry : entry.id);
      if (discount === undefined || (discount.end !== null && discount.end <= now)) continue;
      const couponId = discount.source.coupon;
      const coupon =
        couponId === null
          ? undefined
          : this.core.state.coupons.get(typeof couponId === 'string' ? couponId : couponId.id);
      if (coupon !== undefined) return { discount, coupon };
    }
    return null;
  }

  /** A `once` coupon is used up by the first invoice it discounts. */
  private consumeOnceDiscount(
    subscription: Stripe.Subscription,
    applied: { discount: Stripe.Discount; coupon: Stripe.Coupon } | null,
    now: number,
  ): void {
    if (applied === null || applied.coupon.duration !== 'once') return;
    applied.discount.end = now;
    subscription.discounts = subscription.discounts.filter(
      (entry) => (typeof entry === 'string' ? entry : entry.id) !== applied.discount.id,
    );
  }

  create(input: SubscriptionCreateInput): Stripe.Subscription {
    const customer = this.customers.get(input.customer, 'customer');
    if (input.items.length === 0) throw parameterMissing('items');
    const now = this.customers.nowFor(customer.id);
    const prices = input.items.map((item, index) => ({
      price: this.recurringPrice(item.price, `items[${index}][price]`),
      quantity: item.quantity ?? 1,
      metadata: item.metadata ?? {},
    }));
    const currency = prices[0].price.currency;
    const defaultPaymentMethod = input.defaultPaymentMethod ?? null;
    if (defaultPaymentMethod !== null) {
      const method = this.customers.getPaymentMethod(
        defaultPaymentMethod,
        'default_payment_method',
      );
      if (method.customer !== customer.id) {
        throw invalidRequest(
          `The customer does not have a payment method with the ID ${method.id}. The payment method must be attached to the customer.`,
          'resource_missing',
          'default_payment_method',
        );
      }
    }
    let trialEnd: number | null = null;
    if (input.trialEnd !== undefined && input.trialEnd !== 'now') trialEnd = input.trialEnd;
    else if (input.trialPeriodDays !== undefined && input.trialPeriodDays > 0)
      trialEnd = now + input.trialPeriodDays * SECONDS_PER_DAY;
    if (trialEnd !== null && trialEnd <= now)
      throw parameterInvalid(
        'trial_end',
        'Invalid timestamp: must be an integer Unix timestamp in the future.',
      );
    const id = newId('sub');
    const first = prices[0].price.recurring as Stripe.Price.Recurring;
    const periodEnd = trialEnd ?? addBillingPeriods(now, first.interval, first.interval_count, 1);
    const subscription: Stripe.Subscription = {
      id,
      object: 'subscription',
      application: null,
      application_fee_percent: null,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null },
      billing_cycle_anchor: periodEnd === trialEnd ? trialEnd : now,
      billing_cycle_anchor_config: null,
      billing_mode: { type: 'classic', flexible: null, updated_at: now },
      billing_schedules: [],
      billing_thresholds: null,
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
      collection_method: 'charge_automatically',
      created: now,
      currency,
      customer: customer.id,
      customer_account: null,
      days_until_due: null,
      default_payment_method: defaultPaymentMethod,
      default_source: null,
      default_tax_rates: [],
      description: input.description ?? null,
      discounts: [],
      ended_at: null,
      invoice_settings: {
        account_tax_ids: null,
        custom_fields: null,
        description: null,
        footer: null,
        issuer: { type: 'self' },
      },
      items: {
        object: 'list',
        data: prices.map((entry) =>
          this.buildItem(id, entry.price, entry.quantity, now, periodEnd, entry.metadata),
        ),
        has_more: false,
        url: `/v1/subscription_items?subscription=${id}`,
      },
      latest_invoice: null,
      livemode: false,
      managed_payments: null,
      metadata: input.metadata ?? {},
      next_pending_invoice_item_invoice: null,
      on_behalf_of: null,
      pause_collection: null,
      payment_settings: {
        payment_method_options: null,
        payment_method_types: null,
        save_default_payment_method: 'off',
      },
      pending_invoice_item_interval: null,
      pending_setup_intent: null,
      pending_update: null,
      schedule: null,
      start_date: now,
      status: trialEnd !== null ? 'trialing' : 'incomplete',
      test_clock: customer.test_clock ?? null,
      transfer_data: null,
      trial_end: trialEnd,
      trial_settings: {
        end_behavior: {
          billing_cycle_anchor: null,
          missing_payment_method: input.missingPaymentMethod ?? 'create_invoice',
        },
      },
      trial_start: trialEnd !== null ? now : null,
    };
    if (input.couponId) {
      subscription.discounts = [
        this.createDiscount(
          id,
          customer.id,
          input.couponId,
          input.promotionCodeId ?? null,
          now,
          input.checkoutSession ?? null,
        ).id,
      ];
    }
    if (input.cancelAtPeriodEnd === true) {
      subscription.cancel_at_period_end = true;
      subscription.cancel_at = periodEnd;
      subscription.canceled_at = now;
    }
    this.core.state.subscriptions.put(subscription);
    this.schedule(id);
    const invoice = this.createInvoice(
      subscription,
      'subscription_create',
      now,
      periodEnd,
      this.itemLines(subscription, now, periodEnd, trialEnd !== null),
      () => this.core.events.emit('customer.subscription.created', subscription, now),
    );
    const result = this.invoices.attemptPayment(invoice);
    if (result === 'failed' && input.paymentBehavior === 'error_if_incomplete') {
      const declineCode = this.customers.chargeDecline(defaultPaymentMethod) ?? 'generic_decline';
      throw cardError(declineCode);
    }
    return subscription;
  }

  /** Lines for the subscription's items over a period; during a trial they are free. */
  private itemLines(
    subscription: Stripe.Subscription,
    start: number,
    end: number,
    trial: boolean,
  ): InvoiceLineSpec[] {
    return subscription.items.data.map((item) => {
      const quantity = item.quantity ?? 1;
      const name = this.productName(item.price);
      return {
        amount: trial ? 0 : (item.price.unit_amount ?? 0) * quantity,
        description: trial
          ? `Trial period for ${name}`
          : `${quantity} × ${name} (at $${((item.price.unit_amount ?? 0) / 100).toFixed(2)} / ${item.price.recurring?.interval ?? 'month'})`,
        price: item.price,
        quantity,
        periodStart: start,
        periodEnd: end,
        subscriptionItem: item.id,
        invoiceItem: null,
        proration: false,
      };
    });
  }

  /** Pending proration items of the subscription, swept into its next invoice. */
  private pendingItemLines(subscription: Stripe.Subscription): InvoiceLineSpec[] {
    const lines: InvoiceLineSpec[] = [];
    for (const item of this.core.state.invoiceItems.values()) {
      if (item.invoice !== null) continue;
      const owner = item.parent?.subscription_details?.subscription;
      if (owner !== subscription.id) continue;
      const priceId = item.pricing?.price_details?.price;
      const price = typeof priceId === 'string' ? this.core.state.prices.get(priceId) : undefined;
      if (price === undefined) continue;
      lines.push({
        amount: item.amount,
        description: item.description ?? '',
        price,
        quantity: item.quantity,
        periodStart: item.period.start,
        periodEnd: item.period.end,
        subscriptionItem: null,
        invoiceItem: item.id,
        proration: item.proration,
      });
    }
    return lines;
  }

  private createInvoice(
    subscription: Stripe.Subscription,
    reason: Stripe.Invoice.BillingReason,
    start: number,
    end: number,
    lines: InvoiceLineSpec[],
    announceSubscription: () => void = () => undefined,
  ): Stripe.Invoice {
    const now = this.now(subscription);
    const applied = this.activeDiscount(subscription, now);
    const charged = lines.some((line) => line.amount > 0 && !line.proration);
    const invoice = this.invoices.createDraft(
      {
        customer: this.customerOf(subscription),
        subscription,
        billingReason: reason,
        lines,
        periodStart: start,
        periodEnd: end,
        currency: subscription.currency,
        discount: applied?.discount ?? null,
        coupon: applied?.coupon ?? null,
      },
      false,
    );
    subscription.latest_invoice = invoice.id;
    announceSubscription();
    this.invoices.announceCreated(invoice);
    if (charged) this.consumeOnceDiscount(subscription, applied, now);
    this.invoices.finalize(invoice);
    return invoice;
  }

  private setStatus(
    subscription: Stripe.Subscription,
    status: Stripe.Subscription.Status,
    now: number,
  ): void {
    if (subscription.status === status) return;
    const before = structuredClone(subscription);
    subscription.status = status;
    this.core.events.emit(
      'customer.subscription.updated',
      subscription,
      now,
      changedAttributes(before, subscription),
    );
  }

  private afterInvoicePayment(invoice: Stripe.Invoice, result: PaymentAttemptResult): void {
    const subscriptionId = this.invoices.subscriptionOf(invoice);
    if (subscriptionId === null) return;
    const subscription = this.core.state.subscriptions.get(subscriptionId);
    if (subscription === undefined) return;
    const now = this.now(subscription);
    const schedule = this.schedule(subscription.id);
    if (result === 'paid') {
      if (schedule.dunning?.invoiceId === invoice.id) schedule.dunning = null;
      if (
        subscription.status === 'incomplete' ||
        subscription.status === 'past_due' ||
        subscription.status === 'unpaid'
      ) {
        this.setStatus(subscription, 'active', now);
      }
      return;
    }
    if (invoice.status !== 'open') {
      if (schedule.dunning?.invoiceId === invoice.id) schedule.dunning = null;
      return;
    }
    if (invoice.billing_reason === 'subscription_create') return;
    if (subscription.status === 'active' || subscription.status === 'trialing')
      this.setStatus(subscription, 'past_due', now);
  }

  /** Plans the retries of a failed invoice: the first failure starts the schedule, later ones move along it. */
  private scheduleRetry(invoice: Stripe.Invoice): void {
    const subscriptionId = this.invoices.subscriptionOf(invoice);
    const subscription =
      subscriptionId === null ? undefined : this.core.state.subscriptions.get(subscriptionId);
    if (subscription === undefined || invoice.status !== 'open') return;
    if (invoice.billing_reason === 'subscription_create') {
      // The first invoice is not retried: the customer has 23 hours to pay it (status incomplete).
      invoice.next_payment_attempt = null;
      return;
    }
    const schedule = this.schedule(subscription.id);
    const now = this.now(subscription);
    if (schedule.dunning === null || schedule.dunning.invoiceId !== invoice.id) {
      schedule.dunning = {
        invoiceId: invoice.id,
        retryAt: DUNNING_RETRY_DAYS.map((days) => now + days * SECONDS_PER_DAY),
      };
    }
    invoice.next_payment_attempt = schedule.dunning.retryAt[0] ?? null;
  }

  update(id: string, input: SubscriptionUpdateInput): Stripe.Subscription {
    const subscription = this.get(id);
    if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') {
      throw invalidRequest(
        'A canceled subscription can only update its cancellation_details and metadata.',
      );
    }
    const now = this.now(subscription);
    const before = structuredClone(subscription);
    if (input.metadata !== undefined) subscription.metadata = input.metadata;
    if (input.description !== undefined) subscription.description = input.description;
    if (input.defaultPaymentMethod !== undefined) {
      if (input.defaultPaymentMethod !== null) {
        const method = this.customers.getPaymentMethod(
          input.defaultPaymentMethod,
          'default_payment_method',
        );
        if (method.customer !== this.customerOf(subscription)) {
          throw invalidRequest(
            `The customer does not have a payment method with the ID ${method.id}. The payment method must be attached to the customer.`,
            'resource_missing',
            'default_payment_method',
          );
        }
      }
      subscription.default_payment_method = input.defaultPaymentMethod;
    }
    if (input.couponId !== undefined) {
      subscription.discounts =
        input.couponId === null
          ? []
          : [
              this.createDiscount(
                id,
                this.customerOf(subscription),
                input.couponId,
                input.promotionCodeId ?? null,
                now,
                null,
              ).id,
            ];
    }
    if (input.cancellationComment !== undefined || input.cancellationFeedback !== undefined) {
      subscription.cancellation_details = {
        reason: subscription.cancellation_details?.reason ?? null,
        feedback_option: null,
        comment: input.cancellationComment ?? subscription.cancellation_details?.comment ?? null,
        feedback: input.cancellationFeedback ?? subscription.cancellation_details?.feedback ?? null,
      };
    }
    const periodEnd = subscription.items.data[0]?.current_period_end ?? now;
    if (input.cancelAtPeriodEnd !== undefined) {
      subscription.cancel_at_period_end = input.cancelAtPeriodEnd;
      subscription.cancel_at = input.cancelAtPeriodEnd ? periodEnd : null;
      // Stripe records when the cancellation was requested, not when it takes effect.
      subscription.canceled_at = input.cancelAtPeriodEnd ? now : null;
      subscription.cancellation_details = {
        comment: subscription.cancellation_details?.comment ?? null,
        feedback: subscription.cancellation_details?.feedback ?? null,
        feedback_option: null,
        reason: input.cancelAtPeriodEnd ? 'cancellation_requested' : null,
      };
    }
    if (input.cancelAt !== undefined) {
      subscription.cancel_at = input.cancelAt;
      subscription.cancel_at_period_end = input.cancelAt !== null && input.cancelAt === periodEnd;
      subscription.canceled_at = input.cancelAt === null ? null : now;
    }
    if (typeof input.trialEnd === 'number' && subscription.status === 'trialing') {
      if (input.trialEnd <= now) {
        throw parameterInvalid(
          'trial_end',
          'Invalid timestamp: must be an integer Unix timestamp in the future.',
        );
      }
      // Moving the trial end moves the current (trial) period with it.
      subscription.trial_end = input.trialEnd;
      for (const item of subscription.items.data) item.current_period_end = input.trialEnd;
      subscription.billing_cycle_anchor = input.trialEnd;
    }
    let immediateInvoice: { lines: InvoiceLineSpec[]; start: number; end: number } | null = null;
    if (input.items !== undefined && input.items.length > 0) {
      immediateInvoice = this.changeItems(
        subscription,
        input.items,
        input.prorationBehavior ?? 'create_prorations',
        now,
      );
    }
    const announce = (): void => {
      const previous = changedAttributes(before, subscription);
      if (Object.keys(previous).length > 0) {
        this.core.events.emit('customer.subscription.updated', subscription, now, previous);
      }
    };
    if (immediateInvoice === null) announce();
    else {
      const invoice = this.createInvoice(
        subscription,
        'subscription_update',
        immediateInvoice.start,
        immediateInvoice.end,
        immediateInvoice.lines,
        announce,
      );
      this.invoices.attemptPayment(invoice);
    }
    if (input.trialEnd === 'now' && before.status === 'trialing')
      this.endTrial(subscription, now, true);
    return subscription;
  }

  /**
   * Price/quantity changes. Prorations credit the unused time of the old price and charge the
   * remaining time of the new one, to the second. An interval change (month → year) restarts the
   * billing period now and invoices at once, as Stripe does.
   */
  private changeItems(
    subscription: Stripe.Subscription,
    changes: SubscriptionItemInput[],
    behavior: ProrationBehavior,
    now: number,
  ): { lines: InvoiceLineSpec[]; start: number; end: number } | null {
    const prorations: InvoiceLineSpec[] = [];
    let resetPeriod = false;
    const trialing = subscription.status === 'trialing';
    changes.forEach((change, index) => {
      const param = `items[${index}]`;
      const existing =
        change.id !== undefined
          ? subscription.items.data.find((item) => item.id === change.id)
          : undefined;
      if (change.id !== undefined && existing === undefined)
        throw resourceMissing('subscription_item', change.id, `${param}[id]`);
      if (existing !== undefined && change.deleted === true) {
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
          ? this.recurringPrice(change.price, `${param}[price]`)
          : (target?.price ?? null);
      if (newPrice === null) throw parameterMissing(`${param}[price]`);
      if (newPrice.currency !== subscription.currency)
        throw parameterInvalid(
          `${param}[price]`,
          'The price currency must match the subscription currency.',
        );
      const newQuantity = change.quantity ?? target?.quantity ?? 1;
      if (target === undefined) {
        const periodStart = subscription.items.data[0]?.current_period_start ?? now;
        const periodEnd = subscription.items.data[0]?.current_period_end ?? now;
        subscription.items.data.push(
          this.buildItem(
            subscription.id,
            newPrice,
            newQuantity,
            periodStart,
            periodEnd,
            change.metadata ?? {},
          ),
        );
        return;
      }
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
      if (!trialing && behavior !== 'none' && end > now) {
        const fraction = (end - now) / Math.max(1, end - start);
        const date = new Date(now * 1000).toISOString().slice(0, 10);
        prorations.push({
          amount: -Math.round((oldPrice.unit_amount ?? 0) * oldQuantity * fraction),
          description: `Unused time on ${oldQuantity} × ${this.productName(oldPrice)} after ${date}`,
          price: oldPrice,
          quantity: oldQuantity,
          periodStart: now,
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
            periodStart: now,
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
      if (change.metadata !== undefined) target.metadata = change.metadata;
      if (intervalChanged && !trialing) {
        resetPeriod = true;
        target.current_period_start = now;
        target.current_period_end = addBillingPeriods(
          now,
          newRecurring.interval,
          newRecurring.interval_count,
          1,
        );
      }
    });
    if (resetPeriod) {
      subscription.billing_cycle_anchor = now;
      const end = subscription.items.data[0].current_period_end;
      for (const item of subscription.items.data) {
        item.current_period_start = now;
        item.current_period_end = end;
      }
      if (subscription.cancel_at_period_end) subscription.cancel_at = end;
      return {
        lines: [...prorations, ...this.itemLines(subscription, now, end, false)],
        start: now,
        end,
      };
    }
    if (prorations.length === 0) return null;
    if (behavior === 'always_invoice') {
      return {
        lines: [
          ...this.pendingItemLines(subscription),
          ...prorations.map((line) => this.toPendingInvoiceItem(subscription, line)),
        ],
        start: now,
        end: prorations[0].periodEnd,
      };
    }
    for (const line of prorations) this.toPendingInvoiceItem(subscription, line);
    return null;
  }

  /** Stores a proration as an invoice item (`invoiceitem.created`) for the next invoice. */
  private toPendingInvoiceItem(
    subscription: Stripe.Subscription,
    line: InvoiceLineSpec,
  ): InvoiceLineSpec {
    const now = this.now(subscription);
    const productId =
      typeof line.price.product === 'string' ? line.price.product : line.price.product.id;
    const item: Stripe.InvoiceItem = {
      id: newId('ii'),
      object: 'invoiceitem',
      amount: line.amount,
      currency: line.price.currency,
      customer: this.customerOf(subscription),
      customer_account: null,
      date: now,
      description: line.description,
      discountable: false,
      discounts: [],
      invoice: null,
      livemode: false,
      metadata: {},
      net_amount: line.amount,
      parent: {
        type: 'subscription_details',
        subscription_details: {
          subscription: subscription.id,
          subscription_item: line.subscriptionItem ?? undefined,
        },
      },
      period: { start: line.periodStart, end: line.periodEnd },
      pricing: {
        type: 'price_details',
        price_details: { price: line.price.id, product: productId },
        unit_amount_decimal: line.price.unit_amount_decimal,
      },
      proration: true,
      quantity: line.quantity,
      quantity_decimal: wireDecimal(line.quantity),
      tax_rates: [],
      test_clock: subscription.test_clock,
    };
    this.core.state.invoiceItems.put(item);
    this.core.events.emit('invoiceitem.created', item, now);
    return { ...line, invoiceItem: item.id, subscriptionItem: null };
  }

  cancel(
    id: string,
    input: {
      invoiceNow?: boolean;
      prorate?: boolean;
      comment?: string | null;
      feedback?: Stripe.Subscription.CancellationDetails.Feedback | null;
    },
  ): Stripe.Subscription {
    const subscription = this.get(id);
    if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') {
      throw resourceMissing('subscription', id);
    }
    const now = this.now(subscription);
    if (input.invoiceNow === true) {
      const lines = this.pendingItemLines(subscription);
      if (lines.length > 0) {
        const invoice = this.createInvoice(subscription, 'subscription_cycle', now, now, lines);
        this.invoices.attemptPayment(invoice);
      }
    }
    this.endSubscription(
      subscription,
      now,
      'cancellation_requested',
      input.comment ?? null,
      input.feedback ?? null,
    );
    return subscription;
  }

  private endSubscription(
    subscription: Stripe.Subscription,
    now: number,
    reason: Stripe.Subscription.CancellationDetails.Reason,
    comment: string | null = null,
    feedback: Stripe.Subscription.CancellationDetails.Feedback | null = null,
  ): void {
    subscription.status = subscription.status === 'incomplete' ? 'incomplete_expired' : 'canceled';
    subscription.canceled_at =
      subscription.cancel_at_period_end && subscription.canceled_at !== null
        ? subscription.canceled_at
        : now;
    subscription.ended_at = now;
    subscription.cancellation_details = {
      comment: comment ?? subscription.cancellation_details?.comment ?? null,
      feedback: feedback ?? subscription.cancellation_details?.feedback ?? null,
      feedback_option: null,
      reason,
    };
    const schedule = this.schedule(subscription.id);
    if (schedule.dunning !== null) {
      const invoice = this.core.state.invoices.get(schedule.dunning.invoiceId);
      if (invoice !== undefined) invoice.next_payment_attempt = null;
      schedule.dunning = null;
    }
    this.core.events.emit('customer.subscription.deleted', subscription, now);
  }

  // --- clock-driven work -------------------------------------------------------------------

  /** The next moment something happens to this subscription on its own, or null. */
  nextDueAt(subscription: Stripe.Subscription): number | null {
    const candidates: number[] = [];
    const schedule = this.schedule(subscription.id);
    const periodEnd = subscription.items.data[0]?.current_period_end ?? null;
    switch (subscription.status) {
      case 'trialing':
        if (subscription.trial_end !== null) {
          if (schedule.trialWillEndSentFor !== subscription.trial_end) {
            candidates.push(
              Math.max(
                subscription.trial_start ?? subscription.created,
                subscription.trial_end - TRIAL_WILL_END_NOTICE_SECONDS,
              ),
            );
          }
          candidates.push(subscription.trial_end);
        }
        break;
      case 'active':
      case 'past_due':
        if (periodEnd !== null) candidates.push(periodEnd);
        if (schedule.dunning !== null && schedule.dunning.retryAt.length > 0)
          candidates.push(schedule.dunning.retryAt[0]);
        break;
      case 'incomplete':
        candidates.push(subscription.created + INCOMPLETE_EXPIRY_SECONDS);
        break;
      default:
        return null;
    }
    if (subscription.cancel_at !== null) candidates.push(subscription.cancel_at);
    return candidates.length === 0 ? null : Math.min(...candidates);
  }

  /** Does whatever is due at `now` (the subscription's clock has been moved there). */
  processDue(subscription: Stripe.Subscription, now: number): void {
    const schedule = this.schedule(subscription.id);
    if (subscription.status === 'incomplete') {
      if (subscription.created + INCOMPLETE_EXPIRY_SECONDS <= now)
        this.expireIncomplete(subscription, now);
      return;
    }
    if (
      subscription.cancel_at !== null &&
      subscription.cancel_at <= now &&
      isLiveSubscription(subscription)
    ) {
      this.endSubscription(subscription, subscription.cancel_at, 'cancellation_requested');
      return;
    }
    if (subscription.status === 'trialing' && subscription.trial_end !== null) {
      if (
        schedule.trialWillEndSentFor !== subscription.trial_end &&
        Math.max(
          subscription.trial_start ?? subscription.created,
          subscription.trial_end - TRIAL_WILL_END_NOTICE_SECONDS,
        ) <= now
      ) {
        schedule.trialWillEndSentFor = subscription.trial_end;
        this.core.events.emit('customer.subscription.trial_will_end', subscription, now);
      }
      if (subscription.trial_end <= now) this.endTrial(subscription, now);
      return;
    }
    if (
      schedule.dunning !== null &&
      schedule.dunning.retryAt.length > 0 &&
      schedule.dunning.retryAt[0] <= now
    ) {
      this.retryDunning(subscription, now);
      return;
    }
    const periodEnd = subscription.items.data[0]?.current_period_end;
    if (
      (subscription.status === 'active' || subscription.status === 'past_due') &&
      periodEnd !== undefined &&
      periodEnd <= now
    ) {
      this.renew(subscription, periodEnd);
    }
  }

  private expireIncomplete(subscription: Stripe.Subscription, now: number): void {
    const invoiceId =
      typeof subscription.latest_invoice === 'string' ? subscription.latest_invoice : null;
    const invoice = invoiceId === null ? undefined : this.core.state.invoices.get(invoiceId);
    if (invoice !== undefined && invoice.status === 'open') this.invoices.void(invoice.id);
    this.endSubscription(subscription, now, 'payment_failed');
  }

  /** `endNow`: the trial is cut short (`trial_end=now`), so it ends at `now` rather than at `trial_end`. */
  private endTrial(subscription: Stripe.Subscription, now: number, endNow = false): void {
    const before = structuredClone(subscription);
    if (endNow) subscription.trial_end = now;
    const trialEnd = subscription.trial_end ?? now;
    const missing =
      subscription.trial_settings?.end_behavior.missing_payment_method ?? 'create_invoice';
    if (missing !== 'create_invoice' && !this.hasPaymentMethod(subscription)) {
      if (missing === 'cancel') {
        this.endSubscription(subscription, trialEnd, 'cancellation_requested');
        return;
      }
      // `pause`: no invoice; the subscription waits for a payment method and a resume.
      subscription.status = 'paused';
      const previous = changedAttributes(before, subscription);
      this.core.events.emit('customer.subscription.updated', subscription, now, previous);
      this.core.events.emit('customer.subscription.paused', subscription, now);
      return;
    }
    this.startPeriod(subscription, trialEnd);
    subscription.status = 'active';
    this.invoicePeriod(subscription, 'subscription_cycle', () =>
      this.core.events.emit(
        'customer.subscription.updated',
        subscription,
        now,
        changedAttributes(before, subscription),
      ),
    );
  }

  private hasPaymentMethod(subscription: Stripe.Subscription): boolean {
    if (subscription.default_payment_method !== null) return true;
    const customer = this.core.state.customers.get(this.customerOf(subscription));
    return customer?.invoice_settings.default_payment_method != null;
  }

  /** Resumes a paused subscription: a new period starts now and is invoiced at once. */
  resume(id: string): Stripe.Subscription {
    const subscription = this.get(id);
    if (subscription.status !== 'paused') {
      throw invalidRequest('Only a paused subscription can be resumed.');
    }
    const now = this.now(subscription);
    const before = structuredClone(subscription);
    this.startPeriod(subscription, now);
    subscription.billing_cycle_anchor = now;
    subscription.status = 'active';
    this.core.events.emit('customer.subscription.resumed', subscription, now);
    this.invoicePeriod(subscription, 'subscription_cycle', () =>
      this.core.events.emit(
        'customer.subscription.updated',
        subscription,
        now,
        changedAttributes(before, subscription),
      ),
    );
    return subscription;
  }

  private renew(subscription: Stripe.Subscription, at: number): void {
    const before = structuredClone(subscription);
    this.startPeriod(subscription, at);
    this.invoicePeriod(subscription, 'subscription_cycle', () =>
      this.core.events.emit(
        'customer.subscription.updated',
        subscription,
        at,
        changedAttributes(before, subscription),
      ),
    );
  }

  private startPeriod(subscription: Stripe.Subscription, start: number): void {
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
    if (subscription.status === 'trialing') subscription.billing_cycle_anchor = start;
  }

  private invoicePeriod(
    subscription: Stripe.Subscription,
    reason: Stripe.Invoice.BillingReason,
    announceSubscription: () => void,
  ): void {
    const start = subscription.items.data[0].current_period_start;
    const end = subscription.items.data[0].current_period_end;
    const lines = [
      ...this.pendingItemLines(subscription),
      ...this.itemLines(subscription, start, end, false),
    ];
    const invoice = this.createInvoice(
      subscription,
      reason,
      start,
      end,
      lines,
      announceSubscription,
    );
    this.invoices.attemptPayment(invoice);
  }

  private retryDunning(subscription: Stripe.Subscription, now: number): void {
    const schedule = this.schedule(subscription.id);
    const dunning = schedule.dunning;
    if (dunning === null) return;
    dunning.retryAt.shift();
    const invoice = this.core.state.invoices.get(dunning.invoiceId);
    if (invoice === undefined || invoice.status !== 'open') {
      schedule.dunning = null;
      return;
    }
    const result = this.invoices.attemptPayment(invoice);
    if (result === 'paid') return;
    if (dunning.retryAt.length === 0) {
      invoice.next_payment_attempt = null;
      this.endSubscription(subscription, now, 'payment_failed');
    } else {
      invoice.next_payment_attempt = dunning.retryAt[0];
    }
  }
}
