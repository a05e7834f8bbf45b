import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import {
  invalidRequest,
  parameterInvalid,
  parameterMissing,
  resourceMissing,
} from '../http/stripe-error';
import { newId } from '../store/ids';
import { SECONDS_PER_DAY, addBillingPeriods } from './billing-periods';
import type { CustomerService } from './customers';
import type { DiscountChoice, DiscountService } from './discounts';
import type { EmulatorCore } from './emulator-core';
import type { InvoiceService } from './invoices';
import { cardError, type PaymentMethodService } from './payment-methods';
import type { SubscriptionBilling } from './subscription-billing';
import { buildSubscription } from './subscription-builder';
import type {
  ProrationBehavior,
  SubscriptionItemInput,
  SubscriptionItems,
} from './subscription-items';
import type { PendingUpdates } from './pending-updates';
import type { SubscriptionLifecycle } from './subscription-lifecycle';
import { customerOf, type SubscriptionStatus } from './subscription-status';

export type { ProrationBehavior, SubscriptionItemInput } from './subscription-items';

export interface SubscriptionCreateInput {
  customer: string;
  items: SubscriptionItemInput[];
  defaultPaymentMethod?: string | null;
  trialPeriodDays?: number;
  trialEnd?: number | 'now';
  metadata?: Record<string, string>;
  discount?: DiscountChoice | null;
  cancelAtPeriodEnd?: boolean;
  description?: string | null;
  /**
   * `default_incomplete`: the first invoice's payment is prepared but not attempted, even with a
   * saved card; the client confirms its payment intent.
   */
  paymentBehavior?: 'allow_incomplete' | 'error_if_incomplete' | 'default_incomplete';
  /** `on_subscription`: the card that pays an invoice becomes the subscription's default. */
  saveDefaultPaymentMethod?: 'off' | 'on_subscription';
  checkoutSession?: string | null;
  /** What happens when the trial ends and there is no payment method. */
  missingPaymentMethod?: Stripe.Subscription.TrialSettings.EndBehavior.MissingPaymentMethod;
  collectionMethod?: Stripe.Subscription.CollectionMethod;
  daysUntilDue?: number;
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
  /** A coupon to apply, or null to remove the discount. */
  discount?: DiscountChoice | null;
  cancellationComment?: string | null;
  cancellationFeedback?: Stripe.Subscription.CancellationDetails.Feedback | null;
  collectionMethod?: Stripe.Subscription.CollectionMethod;
  daysUntilDue?: number;
  /** `pending_if_incomplete`: a change that bills now applies only once its invoice is paid. */
  paymentBehavior?: 'allow_incomplete' | 'error_if_incomplete' | 'pending_if_incomplete';
  /** Pause collection (renewal invoices voided, kept as drafts or marked uncollectible); null resumes. */
  pauseCollection?: {
    behavior: Stripe.Subscription.PauseCollection.Behavior;
    resumesAt: number | null;
  } | null;
}

export interface SubscriptionCancelInput {
  invoiceNow?: boolean;
  prorate?: boolean;
  comment?: string | null;
  feedback?: Stripe.Subscription.CancellationDetails.Feedback | null;
}

/** Subscriptions: what the API does to them (creation, changes, cancellation, resume). */
export class SubscriptionService {
  constructor(
    private readonly core: EmulatorCore,
    private readonly customers: CustomerService,
    private readonly paymentMethods: PaymentMethodService,
    private readonly invoices: InvoiceService,
    private readonly discounts: DiscountService,
    readonly items: SubscriptionItems,
    private readonly billing: SubscriptionBilling,
    readonly lifecycle: SubscriptionLifecycle,
    private readonly status: SubscriptionStatus,
    private readonly pendingUpdates: PendingUpdates,
  ) {
    customers.onCustomerDeleted = (subscriptionId) => {
      this.cancel(subscriptionId, {});
    };
  }

  get(id: string, param = 'id'): Stripe.Subscription {
    const subscription = this.core.state.subscriptions.get(id);
    if (subscription === undefined) throw resourceMissing('subscription', id, param);
    return subscription;
  }

  /**
   * `send_invoice` needs `days_until_due` (the invoices' payment terms); `charge_automatically`
   * takes none, as in Stripe.
   */
  private collection(
    method: Stripe.Subscription.CollectionMethod,
    daysUntilDue: number | undefined,
  ): { collectionMethod: Stripe.Subscription.CollectionMethod; daysUntilDue: number | null } {
    if (method === 'send_invoice') {
      if (daysUntilDue === undefined) throw parameterMissing('days_until_due');
      return { collectionMethod: method, daysUntilDue };
    }
    if (daysUntilDue !== undefined)
      throw invalidRequest(
        'days_until_due can only be set when collection_method is send_invoice.',
        'parameter_invalid',
        'days_until_due',
      );
    return { collectionMethod: method, daysUntilDue: null };
  }

  create(input: SubscriptionCreateInput): Stripe.Subscription {
    const customer = this.customers.get(input.customer, 'customer');
    if (input.items.length === 0) throw parameterMissing('items');
    const collection = this.collection(
      input.collectionMethod ?? 'charge_automatically',
      input.daysUntilDue,
    );
    const now = this.core.nowFor(customer.id);
    const prices = this.items.resolvePrices(input.items);
    const defaultPaymentMethod = input.defaultPaymentMethod ?? null;
    if (defaultPaymentMethod !== null)
      this.paymentMethods.checkOwnedBy(defaultPaymentMethod, customer.id, 'default_payment_method');
    let trialEnd: number | null = null;
    if (input.trialEnd !== undefined && input.trialEnd !== 'now') trialEnd = input.trialEnd;
    else if (input.trialPeriodDays !== undefined && input.trialPeriodDays > 0)
      trialEnd = now + input.trialPeriodDays * SECONDS_PER_DAY;
    if (trialEnd !== null && trialEnd <= now)
      throw parameterInvalid(
        'trial_end',
        'Invalid timestamp: must be an integer Unix timestamp in the future.',
      );
    if (input.paymentBehavior === 'default_incomplete' && trialEnd !== null)
      throw parameterInvalid(
        'payment_behavior',
        'payment_behavior=default_incomplete with a trial is not implemented by the Stripe emulator (Stripe collects the card with a SetupIntent, which the emulator does not have).',
      );
    const id = newId('sub');
    const first = prices[0].price.recurring as Stripe.Price.Recurring;
    const periodEnd = trialEnd ?? addBillingPeriods(now, first.interval, first.interval_count, 1);
    const subscription = buildSubscription({
      id,
      customer,
      now,
      currency: prices[0].price.currency,
      items: prices.map((entry) =>
        this.items.build(id, entry.price, entry.quantity, now, periodEnd, entry.metadata),
      ),
      periodEnd,
      trialEnd,
      defaultPaymentMethod,
      description: input.description ?? null,
      metadata: input.metadata ?? {},
      missingPaymentMethod: input.missingPaymentMethod ?? 'create_invoice',
      ...collection,
    });
    if (input.discount) {
      subscription.discounts = [
        this.discounts.createForSubscription(
          subscription,
          input.discount,
          now,
          input.checkoutSession ?? null,
        ).id,
      ];
    }
    if (input.saveDefaultPaymentMethod !== undefined && subscription.payment_settings !== null)
      subscription.payment_settings.save_default_payment_method = input.saveDefaultPaymentMethod;
    if (input.cancelAtPeriodEnd === true) {
      subscription.cancel_at_period_end = true;
      subscription.cancel_at = periodEnd;
      subscription.canceled_at = now;
    }
    this.core.state.subscriptions.put(subscription);
    this.status.schedule(id);
    const invoice = this.billing.createInvoice(
      subscription,
      'subscription_create',
      now,
      periodEnd,
      this.billing.itemLines(subscription, now, periodEnd, trialEnd !== null),
      () => this.core.events.emit('customer.subscription.created', subscription, now),
    );
    if (
      input.paymentBehavior === 'default_incomplete' &&
      invoice.collection_method === 'charge_automatically' &&
      invoice.amount_due > 0
    )
      this.invoices.collection.prepare(
        invoice,
        subscription.payment_settings?.save_default_payment_method === 'on_subscription',
      );
    else this.billing.collect(invoice);
    this.lifecycle.noticeTrialEnd(subscription, now);
    if (
      invoice.status === 'open' &&
      invoice.collection_method === 'charge_automatically' &&
      input.paymentBehavior === 'error_if_incomplete'
    ) {
      const declineCode =
        this.paymentMethods.chargeDecline(defaultPaymentMethod, now) ?? 'generic_decline';
      throw cardError(declineCode);
    }
    return subscription;
  }

  /** Refuses what `update` would refuse, before anything changes. */
  private checkUpdate(
    subscription: Stripe.Subscription,
    input: SubscriptionUpdateInput,
    now: number,
  ): void {
    if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') {
      throw invalidRequest(
        'A canceled subscription can only update its cancellation_details and metadata.',
      );
    }
    if (input.defaultPaymentMethod)
      this.paymentMethods.checkOwnedBy(
        input.defaultPaymentMethod,
        customerOf(subscription),
        'default_payment_method',
      );
    if (
      typeof input.trialEnd === 'number' &&
      subscription.status === 'trialing' &&
      input.trialEnd <= now
    )
      throw parameterInvalid(
        'trial_end',
        'Invalid timestamp: must be an integer Unix timestamp in the future.',
      );
    if (input.items !== undefined) this.items.checkChanges(subscription, input.items);
    if (
      input.pauseCollection?.resumesAt !== undefined &&
      input.pauseCollection.resumesAt !== null &&
      input.pauseCollection.resumesAt <= now
    )
      throw parameterInvalid(
        'pause_collection[resumes_at]',
        'Invalid timestamp: must be an integer Unix timestamp in the future.',
      );
    if (input.collectionMethod !== undefined || input.daysUntilDue !== undefined)
      this.collection(
        input.collectionMethod ?? subscription.collection_method,
        input.daysUntilDue ??
          (input.collectionMethod === 'charge_automatically'
            ? undefined
            : (subscription.days_until_due ?? undefined)),
      );
  }

  update(id: string, input: SubscriptionUpdateInput): Stripe.Subscription {
    const subscription = this.get(id);
    const now = this.status.now(subscription);
    this.checkUpdate(subscription, input, now);
    if (input.paymentBehavior === 'pending_if_incomplete' && input.items !== undefined) {
      const pending = {
        items: input.items,
        prorationBehavior: input.prorationBehavior ?? 'create_prorations',
      };
      if (this.pendingUpdates.billsAtOnce(subscription, pending, now)) {
        this.pendingUpdates.start(subscription, pending, now);
        return subscription;
      }
    }
    const before = structuredClone(subscription);
    if (input.metadata !== undefined) subscription.metadata = input.metadata;
    if (input.description !== undefined) subscription.description = input.description;
    if (input.defaultPaymentMethod !== undefined)
      subscription.default_payment_method = input.defaultPaymentMethod;
    if (input.collectionMethod !== undefined || input.daysUntilDue !== undefined) {
      const collection = this.collection(
        input.collectionMethod ?? subscription.collection_method,
        input.daysUntilDue ??
          (input.collectionMethod === 'charge_automatically'
            ? undefined
            : (subscription.days_until_due ?? undefined)),
      );
      subscription.collection_method = collection.collectionMethod;
      subscription.days_until_due = collection.daysUntilDue;
    }
    if (input.pauseCollection !== undefined)
      subscription.pause_collection =
        input.pauseCollection === null
          ? null
          : {
              behavior: input.pauseCollection.behavior,
              resumes_at: input.pauseCollection.resumesAt,
            };
    if (input.discount !== undefined) {
      subscription.discounts =
        input.discount === null
          ? []
          : [this.discounts.createForSubscription(subscription, input.discount, now, null).id];
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
      // Moving the trial end moves the current (trial) period with it.
      subscription.trial_end = input.trialEnd;
      for (const item of subscription.items.data) item.current_period_end = input.trialEnd;
      subscription.billing_cycle_anchor = input.trialEnd;
    }
    const behavior = input.prorationBehavior ?? 'create_prorations';
    const change =
      input.items !== undefined && input.items.length > 0
        ? this.items.change(subscription, input.items, behavior, now)
        : null;
    const announce = (): void => {
      const previous = changedAttributes(before, subscription);
      if (Object.keys(previous).length > 0) {
        this.core.events.emit('customer.subscription.updated', subscription, now, previous);
      }
    };
    const immediate =
      change === null ? null : this.immediateInvoice(subscription, change, behavior, now);
    if (immediate === null) announce();
    else {
      const invoice = this.billing.createInvoice(
        subscription,
        'subscription_update',
        immediate.start,
        immediate.end,
        immediate.lines,
        announce,
      );
      this.billing.collect(invoice);
    }
    if (input.trialEnd === 'now' && before.status === 'trialing') {
      // Stripe sends trial_will_end when a trial is ended at once, then bills the first period.
      this.lifecycle.noticeTrialEnd(subscription, now, true);
      this.lifecycle.endTrial(subscription, now, true);
    } else if (typeof input.trialEnd === 'number') this.lifecycle.noticeTrialEnd(subscription, now);
    return subscription;
  }

  /**
   * What an item change bills at once: a restarted period (interval change) is invoiced now with
   * its prorations; `always_invoice` bills prorations now; otherwise they wait as invoice items.
   */
  private immediateInvoice(
    subscription: Stripe.Subscription,
    change: ReturnType<SubscriptionItems['change']>,
    behavior: ProrationBehavior,
    now: number,
  ): { lines: ReturnType<SubscriptionBilling['itemLines']>; start: number; end: number } | null {
    if (change.periodReset) {
      const end = subscription.items.data[0].current_period_end;
      return {
        lines: [...change.prorations, ...this.billing.itemLines(subscription, now, end, false)],
        start: now,
        end,
      };
    }
    if (change.prorations.length === 0) return null;
    if (behavior === 'always_invoice') {
      return {
        lines: [
          ...this.billing.pendingItemLines(subscription),
          ...change.prorations.map((line) => this.billing.toPendingInvoiceItem(subscription, line)),
        ],
        start: now,
        end: change.prorations[0].periodEnd,
      };
    }
    for (const line of change.prorations) this.billing.toPendingInvoiceItem(subscription, line);
    return null;
  }

  cancel(id: string, input: SubscriptionCancelInput): Stripe.Subscription {
    const subscription = this.get(id);
    if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') {
      throw resourceMissing('subscription', id);
    }
    const now = this.status.now(subscription);
    if (input.prorate === true) {
      // Credit for the unused rest of the period, as a pending proration item.
      for (const line of this.items.unusedTimeCredits(subscription, now))
        this.billing.toPendingInvoiceItem(subscription, line);
    }
    if (input.invoiceNow === true) {
      const lines = this.billing.pendingItemLines(subscription);
      if (lines.length > 0) {
        const invoice = this.billing.createInvoice(
          subscription,
          'subscription_cycle',
          now,
          now,
          lines,
        );
        this.billing.collect(invoice);
      }
    }
    this.status.end(
      subscription,
      now,
      'cancellation_requested',
      input.comment ?? null,
      input.feedback ?? null,
    );
    return subscription;
  }

  resume(id: string): Stripe.Subscription {
    return this.lifecycle.resume(this.get(id));
  }
}
