import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import { invalidRequest, parameterInvalid } from '../http/stripe-error';
import type { DiscountChoice, DiscountService } from './discounts';
import type { EmulatorCore } from './emulator-core';
import type { PaymentMethodService } from './payment-methods';
import type { PendingUpdates } from './pending-updates';
import type { SubscriptionBilling } from './subscription-billing';
import { collectionTerms } from './subscription-builder';
import type {
  ProrationBehavior,
  SubscriptionItemInput,
  SubscriptionItems,
} from './subscription-items';
import type { SubscriptionLifecycle } from './subscription-lifecycle';
import { customerOf, type SubscriptionStatus } from './subscription-status';
import type { TaxRateService } from './tax-rates';
import { checkAutomaticTax } from './subscription-creation';

export interface SubscriptionUpdateInput {
  /** Tax rates for the subscription's next invoices; an empty list removes them. */
  defaultTaxRates?: string[];
  /** `automatic_tax[enabled]`: turns Stripe Tax (emulated) on or off for later invoices. */
  automaticTax?: boolean;
  /** `now` starts a new billing cycle at once (invoiced now); `unchanged` keeps it. */
  billingCycleAnchor?: 'now' | 'unchanged';
  /** Prorations are computed as if the change happened at this moment of the current period. */
  prorationDate?: number;
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

/** Changing subscriptions: fields, cancellation at a date, trials, items with prorations. */
export class SubscriptionUpdates {
  constructor(
    private readonly core: EmulatorCore,
    private readonly paymentMethods: PaymentMethodService,
    private readonly discounts: DiscountService,
    private readonly items: SubscriptionItems,
    private readonly billing: SubscriptionBilling,
    private readonly lifecycle: SubscriptionLifecycle,
    private readonly status: SubscriptionStatus,
    private readonly pendingUpdates: PendingUpdates,
    private readonly taxRates: TaxRateService,
  ) {}

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
    if (typeof input.trialEnd === 'number' && subscription.status !== 'trialing')
      // Stripe starts a new trial on a subscription that has none; not implemented here.
      throw parameterInvalid(
        'trial_end',
        'Adding a trial to a subscription that is not trialing is not implemented by the Stripe emulator.',
      );
    if (input.items !== undefined) this.items.checkChanges(subscription, input.items);
    if (input.defaultTaxRates !== undefined)
      this.taxRates.resolve(input.defaultTaxRates, 'default_tax_rates');
    if (input.automaticTax ?? subscription.automatic_tax.enabled) {
      const customer = this.core.state.customers.get(customerOf(subscription));
      const rates = input.defaultTaxRates ?? subscription.default_tax_rates ?? [];
      if (customer !== undefined && (input.automaticTax === true || rates.length > 0))
        checkAutomaticTax(customer, rates.length > 0);
    }
    if (input.billingCycleAnchor === 'now' && subscription.status === 'trialing')
      throw parameterInvalid(
        'billing_cycle_anchor',
        'billing_cycle_anchor=now on a trialing subscription is not implemented by the Stripe emulator; end the trial with trial_end=now.',
      );
    const item = subscription.items.data[0];
    if (
      input.prorationDate !== undefined &&
      (input.prorationDate < item.current_period_start ||
        input.prorationDate > item.current_period_end)
    )
      throw parameterInvalid(
        'proration_date',
        'proration_date must be within the current billing period of the subscription.',
      );
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
      collectionTerms(
        input.collectionMethod ?? subscription.collection_method,
        input.daysUntilDue ??
          (input.collectionMethod === 'charge_automatically'
            ? undefined
            : (subscription.days_until_due ?? undefined)),
      );
  }

  update(subscription: Stripe.Subscription, input: SubscriptionUpdateInput): Stripe.Subscription {
    const now = this.status.now(subscription);
    this.checkUpdate(subscription, input, now);
    if (input.paymentBehavior === 'pending_if_incomplete' && input.items !== undefined) {
      const pending = {
        items: input.items,
        prorationBehavior: input.prorationBehavior ?? 'create_prorations',
        prorationAt: input.prorationDate,
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
    if (input.defaultTaxRates !== undefined)
      subscription.default_tax_rates = structuredClone(
        this.taxRates.resolve(input.defaultTaxRates, 'default_tax_rates'),
      );
    if (input.automaticTax !== undefined)
      subscription.automatic_tax = {
        disabled_reason: null,
        enabled: input.automaticTax,
        liability: input.automaticTax ? { type: 'self' } : null,
      };
    if (input.collectionMethod !== undefined || input.daysUntilDue !== undefined) {
      const collection = collectionTerms(
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
    const prorationAt = input.prorationDate ?? now;
    let change =
      input.items !== undefined && input.items.length > 0
        ? this.items.change(
            subscription,
            input.items,
            input.billingCycleAnchor === 'now' ? 'none' : behavior,
            now,
            true,
            prorationAt,
          )
        : null;
    if (input.billingCycleAnchor === 'now') {
      // A new cycle starts now: credit for the unused time of what was there, a full new period.
      const credits = behavior === 'none' ? [] : this.items.unusedTimeCredits(before, prorationAt);
      this.items.restartPeriod(subscription, now);
      change = { prorations: credits, periodReset: true };
    }
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
}
