import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import { invalidRequest } from '../http/stripe-error';
import { SECONDS_PER_DAY } from './billing-periods';
import type { BillingSettingsStore } from './billing-settings';
import type { EmulatorCore } from './emulator-core';
import type { PaymentAttemptResult } from './invoice-collection';
import type { InvoicePreviews } from './invoice-preview';
import type { InvoiceService } from './invoices';
import type { PaymentMethodService } from './payment-methods';
import type { PendingUpdates } from './pending-updates';
import type { SubscriptionBilling } from './subscription-billing';
import type { SubscriptionItems } from './subscription-items';
import { customerOf, isLiveSubscription, type SubscriptionStatus } from './subscription-status';

/** `customer.subscription.trial_will_end` is sent this long before the trial ends. */
export const TRIAL_WILL_END_NOTICE_SECONDS = 3 * SECONDS_PER_DAY;
/** An `incomplete` subscription whose first invoice is never paid expires after 23 hours. */
export const INCOMPLETE_EXPIRY_SECONDS = 23 * 3600;
/** Declines that retrying the same card cannot cure: Stripe does not retry them. */
const HARD_DECLINES = new Set([
  'lost_card',
  'stolen_card',
  'pickup_card',
  'incorrect_number',
  'fraudulent',
]);

/**
 * What happens to subscriptions as time passes: trial notices and trial ends, renewal invoices
 * (drafts finalized later), `invoice.upcoming`, failed-payment retries and their end state,
 * overdue `send_invoice` invoices, expiry of incomplete subscriptions.
 */
export class SubscriptionLifecycle {
  constructor(
    private readonly core: EmulatorCore,
    private readonly invoices: InvoiceService,
    private readonly items: SubscriptionItems,
    private readonly billing: SubscriptionBilling,
    private readonly status: SubscriptionStatus,
    private readonly settings: BillingSettingsStore,
    private readonly paymentMethods: PaymentMethodService,
    private readonly previews: InvoicePreviews,
    private readonly pendingUpdates: PendingUpdates,
  ) {
    invoices.collection.onPaymentFailing = (invoice) => this.scheduleRetry(invoice);
    invoices.collection.onPaymentResult = (invoice, result) =>
      this.afterInvoicePayment(invoice, result);
    invoices.onOverdue = (invoice) => this.overdue(invoice);
  }

  private trialNoticeAt(subscription: Stripe.Subscription): number | null {
    if (subscription.status !== 'trialing' || subscription.trial_end === null) return null;
    if (this.status.schedule(subscription.id).trialWillEndSentFor === subscription.trial_end)
      return null;
    return subscription.trial_end - TRIAL_WILL_END_NOTICE_SECONDS;
  }

  /**
   * `customer.subscription.trial_will_end` once the trial end is within three days: from the
   * clock, or at once when a trial starts short or is moved into that window.
   */
  noticeTrialEnd(subscription: Stripe.Subscription, now: number, endingNow = false): void {
    const at = this.trialNoticeAt(subscription);
    if (at === null || (at > now && !endingNow)) return;
    this.status.schedule(subscription.id).trialWillEndSentFor = subscription.trial_end;
    this.core.events.emit('customer.subscription.trial_will_end', subscription, now);
  }

  /** When `invoice.upcoming` goes out for the next renewal, or null when none will. */
  private upcomingNoticeAt(subscription: Stripe.Subscription): number | null {
    const days = this.settings.current().upcomingRenewalDays;
    if (days === 0 || subscription.collection_method !== 'charge_automatically') return null;
    if (!['active', 'trialing', 'past_due'].includes(subscription.status)) return null;
    if (subscription.pause_collection !== null) return null;
    const { start } = this.previews.nextPeriod(subscription);
    if (subscription.cancel_at !== null && subscription.cancel_at <= start) return null;
    if (this.status.schedule(subscription.id).upcomingSentFor === start) return null;
    const at = start - days * SECONDS_PER_DAY;
    // A notice that would fall before the period began is not sent for this period.
    return at < subscription.items.data[0].current_period_start ? null : at;
  }

  private noticeUpcomingInvoice(subscription: Stripe.Subscription, now: number): void {
    const { start } = this.previews.nextPeriod(subscription);
    this.status.schedule(subscription.id).upcomingSentFor = start;
    // Stripe's upcoming invoice has no id: it does not exist yet.
    const { id: _id, ...upcoming } = this.previews.renewal(subscription);
    this.core.events.emit('invoice.upcoming', upcoming, now);
  }

  /** The next moment something happens to this subscription on its own, or null. */
  nextDueAt(subscription: Stripe.Subscription): number | null {
    const candidates: number[] = [];
    const schedule = this.status.schedule(subscription.id);
    const periodEnd = subscription.items.data[0]?.current_period_end ?? null;
    switch (subscription.status) {
      case 'trialing':
        if (subscription.trial_end !== null) candidates.push(subscription.trial_end);
        break;
      case 'active':
      case 'past_due':
      case 'unpaid':
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
    const trialNotice = this.trialNoticeAt(subscription);
    if (trialNotice !== null) candidates.push(trialNotice);
    const upcoming = this.upcomingNoticeAt(subscription);
    if (upcoming !== null) candidates.push(upcoming);
    const resumesAt = subscription.pause_collection?.resumes_at;
    if (resumesAt != null) candidates.push(resumesAt);
    if (schedule.pendingUpdate !== null) candidates.push(schedule.pendingUpdate.expiresAt);
    if (subscription.cancel_at !== null) candidates.push(subscription.cancel_at);
    return candidates.length === 0 ? null : Math.min(...candidates);
  }

  /** Does whatever is due at `now` (the subscription's clock has been moved there). */
  processDue(subscription: Stripe.Subscription, now: number): void {
    const schedule = this.status.schedule(subscription.id);
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
      this.status.end(subscription, subscription.cancel_at, 'cancellation_requested');
      return;
    }
    if (schedule.pendingUpdate !== null && schedule.pendingUpdate.expiresAt <= now)
      this.pendingUpdates.expire(subscription, now);
    const resumesAt = subscription.pause_collection?.resumes_at;
    if (resumesAt != null && resumesAt <= now) {
      // Collection resumes on its own: the next renewal is collected again.
      const before = structuredClone(subscription);
      subscription.pause_collection = null;
      this.core.events.emit(
        'customer.subscription.updated',
        subscription,
        now,
        changedAttributes(before, subscription),
      );
    }
    this.noticeTrialEnd(subscription, now);
    const upcoming = this.upcomingNoticeAt(subscription);
    if (upcoming !== null && upcoming <= now) this.noticeUpcomingInvoice(subscription, now);
    if (subscription.status === 'trialing' && subscription.trial_end !== null) {
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
      ['active', 'past_due', 'unpaid'].includes(subscription.status) &&
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
    this.status.end(subscription, now, 'payment_failed');
  }

  /**
   * The trial ends: the first period starts and is invoiced (a draft finalized later, as a
   * renewal). `endNow`: cut short through the API (`trial_end=now`), so it is billed at once.
   */
  endTrial(subscription: Stripe.Subscription, now: number, endNow = false): void {
    const before = structuredClone(subscription);
    if (endNow) subscription.trial_end = now;
    const trialEnd = subscription.trial_end ?? now;
    const missing =
      subscription.trial_settings?.end_behavior.missing_payment_method ?? 'create_invoice';
    if (missing !== 'create_invoice' && !this.hasPaymentMethod(subscription)) {
      if (missing === 'cancel') {
        this.status.end(subscription, trialEnd, 'cancellation_requested');
        return;
      }
      // `pause`: no invoice; the subscription waits for a payment method and a resume.
      subscription.status = 'paused';
      const previous = changedAttributes(before, subscription);
      this.core.events.emit('customer.subscription.updated', subscription, now, previous);
      this.core.events.emit('customer.subscription.paused', subscription, now);
      return;
    }
    this.items.startPeriod(subscription, trialEnd);
    subscription.billing_cycle_anchor = trialEnd;
    subscription.status = 'active';
    this.billing.invoicePeriod(
      subscription,
      'subscription_cycle',
      () =>
        this.core.events.emit(
          'customer.subscription.updated',
          subscription,
          now,
          changedAttributes(before, subscription),
        ),
      endNow ? 'now' : 'scheduled',
    );
  }

  private hasPaymentMethod(subscription: Stripe.Subscription): boolean {
    return this.paymentMethodOf(subscription) !== null;
  }

  /** The card a retry would use: the subscription's, else the customer's default. */
  private paymentMethodOf(subscription: Stripe.Subscription): string | null {
    const own = subscription.default_payment_method;
    if (own !== null) return typeof own === 'string' ? own : own.id;
    const fallback = this.core.state.customers.get(customerOf(subscription))?.invoice_settings
      .default_payment_method;
    if (fallback == null) return null;
    return typeof fallback === 'string' ? fallback : fallback.id;
  }

  /** Resumes a paused subscription: a new period starts now and is invoiced at once. */
  resume(subscription: Stripe.Subscription): Stripe.Subscription {
    if (subscription.status !== 'paused') {
      throw invalidRequest('Only a paused subscription can be resumed.');
    }
    const now = this.status.now(subscription);
    const before = structuredClone(subscription);
    this.items.startPeriod(subscription, now);
    subscription.billing_cycle_anchor = now;
    subscription.status = 'active';
    this.core.events.emit('customer.subscription.resumed', subscription, now);
    this.billing.invoicePeriod(
      subscription,
      'subscription_cycle',
      () =>
        this.core.events.emit(
          'customer.subscription.updated',
          subscription,
          now,
          changedAttributes(before, subscription),
        ),
      'now',
    );
    return subscription;
  }

  /** A new period starts; its invoice is a draft that Stripe finalizes and charges later. */
  private renew(subscription: Stripe.Subscription, at: number): void {
    const before = structuredClone(subscription);
    this.items.startPeriod(subscription, at);
    this.billing.invoicePeriod(
      subscription,
      'subscription_cycle',
      () =>
        this.core.events.emit(
          'customer.subscription.updated',
          subscription,
          at,
          changedAttributes(before, subscription),
        ),
      'scheduled',
    );
  }

  private retryDunning(subscription: Stripe.Subscription, now: number): void {
    const schedule = this.status.schedule(subscription.id);
    const dunning = schedule.dunning;
    if (dunning === null) return;
    dunning.retryAt.shift();
    const invoice = this.core.state.invoices.get(dunning.invoiceId);
    if (invoice === undefined || invoice.status !== 'open' || !invoice.auto_advance) {
      schedule.dunning = null;
      return;
    }
    // Stripe does not retry without a payment method, nor a card that declined for good.
    const method = this.paymentMethodOf(subscription);
    const decline = method === null ? null : this.paymentMethods.chargeDecline(method, now);
    const attempt = method !== null && (decline === null || !HARD_DECLINES.has(decline));
    if (attempt) {
      if (this.invoices.attemptPayment(invoice) === 'paid') return;
      // A failed last attempt has already ended the retries (see afterInvoicePayment).
      if (this.status.schedule(subscription.id).dunning === null) return;
    }
    if (dunning.retryAt.length === 0) this.retriesExhausted(subscription, invoice, now);
    else invoice.next_payment_attempt = dunning.retryAt[0];
  }

  /** The last retry failed: the configured end state for the invoice and the subscription. */
  private retriesExhausted(
    subscription: Stripe.Subscription,
    invoice: Stripe.Invoice,
    now: number,
  ): void {
    this.status.schedule(subscription.id).dunning = null;
    invoice.next_payment_attempt = null;
    const { afterRetries } = this.settings.current();
    if (afterRetries.invoice === 'uncollectible') this.invoices.markUncollectible(invoice.id);
    if (afterRetries.subscription === 'cancel')
      this.status.end(subscription, now, 'payment_failed');
    else if (afterRetries.subscription === 'unpaid') this.status.set(subscription, 'unpaid', now);
  }

  private afterInvoicePayment(invoice: Stripe.Invoice, result: PaymentAttemptResult): void {
    const subscriptionId = this.invoices.subscriptionOf(invoice);
    if (subscriptionId === null) return;
    const subscription = this.core.state.subscriptions.get(subscriptionId);
    if (subscription === undefined) return;
    const now = this.status.now(subscription);
    const schedule = this.status.schedule(subscription.id);
    if (schedule.pendingUpdate?.invoiceId === invoice.id) {
      // The invoice of a pending update: paying it applies the update; a failure changes nothing.
      if (result === 'paid') this.pendingUpdates.apply(subscription, now);
      return;
    }
    if (result === 'paid') {
      if (schedule.dunning?.invoiceId === invoice.id) schedule.dunning = null;
      this.saveCardThatPaid(subscription, invoice, now);
      if (['incomplete', 'past_due', 'unpaid'].includes(subscription.status))
        this.status.set(subscription, 'active', now);
      return;
    }
    if (invoice.status !== 'open') {
      if (schedule.dunning?.invoiceId === invoice.id) schedule.dunning = null;
      return;
    }
    if (invoice.billing_reason === 'subscription_create') return;
    if (subscription.status === 'active' || subscription.status === 'trialing')
      this.status.set(subscription, 'past_due', now);
    if (schedule.dunning?.invoiceId === invoice.id && schedule.dunning.retryAt.length === 0)
      this.retriesExhausted(subscription, invoice, now);
  }

  /**
   * `payment_settings.save_default_payment_method=on_subscription`: the card that paid becomes
   * the subscription's default (attached to the customer if it was not).
   */
  private saveCardThatPaid(
    subscription: Stripe.Subscription,
    invoice: Stripe.Invoice,
    now: number,
  ): void {
    if (subscription.payment_settings?.save_default_payment_method !== 'on_subscription') return;
    const intentId = this.invoices.collection.latestPaymentIntentOf(invoice.id);
    const method =
      intentId === null ? null : this.core.state.paymentIntents.get(intentId)?.payment_method;
    const methodId = typeof method === 'string' ? method : (method?.id ?? null);
    if (methodId === null || subscription.default_payment_method === methodId) return;
    if (this.core.state.paymentMethods.get(methodId)?.customer === null)
      this.paymentMethods.attach(methodId, customerOf(subscription));
    const before = structuredClone(subscription);
    subscription.default_payment_method = methodId;
    this.core.events.emit(
      'customer.subscription.updated',
      subscription,
      now,
      changedAttributes(before, subscription),
    );
  }

  /**
   * Plans the retries of a failed invoice (Smart Retries: the configured number of attempts
   * spread over the configured window); the first failure starts the schedule.
   */
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
    const schedule = this.status.schedule(subscription.id);
    // A pending update's invoice is not retried: the update waits to be paid, or lapses.
    if (schedule.pendingUpdate?.invoiceId === invoice.id) {
      invoice.next_payment_attempt = null;
      return;
    }
    if (schedule.dunning === null || schedule.dunning.invoiceId !== invoice.id) {
      schedule.dunning = {
        invoiceId: invoice.id,
        retryAt: this.settings.retryTimes(this.status.now(subscription)),
      };
    }
    invoice.next_payment_attempt = schedule.dunning.retryAt[0] ?? null;
  }

  /** A `send_invoice` invoice passed its due date unpaid: the subscription is past due. */
  private overdue(invoice: Stripe.Invoice): void {
    const subscriptionId = this.invoices.subscriptionOf(invoice);
    const subscription =
      subscriptionId === null ? undefined : this.core.state.subscriptions.get(subscriptionId);
    if (subscription?.status === 'active')
      this.status.set(subscription, 'past_due', this.status.now(subscription));
  }
}
