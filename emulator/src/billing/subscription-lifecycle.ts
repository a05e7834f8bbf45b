import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import { invalidRequest } from '../http/stripe-error';
import { SECONDS_PER_DAY } from './billing-periods';
import type { EmulatorCore } from './emulator-core';
import type { InvoiceService, PaymentAttemptResult } from './invoices';
import type { SubscriptionBilling } from './subscription-billing';
import type { SubscriptionItems } from './subscription-items';
import { customerOf, isLiveSubscription, type SubscriptionStatus } from './subscription-status';

/** Failed renewals are retried this many days after the first failure; after the last, the subscription is canceled. */
export const DUNNING_RETRY_DAYS = [3, 5, 7];
/** `customer.subscription.trial_will_end` is sent this long before the trial ends. */
export const TRIAL_WILL_END_NOTICE_SECONDS = 3 * SECONDS_PER_DAY;
/** An `incomplete` subscription whose first invoice is never paid expires after 23 hours. */
export const INCOMPLETE_EXPIRY_SECONDS = 23 * 3600;

/** What happens to subscriptions as time passes: trial ends, renewals, payment retries, expiry. */
export class SubscriptionLifecycle {
  constructor(
    private readonly core: EmulatorCore,
    private readonly invoices: InvoiceService,
    private readonly items: SubscriptionItems,
    private readonly billing: SubscriptionBilling,
    private readonly status: SubscriptionStatus,
  ) {
    invoices.onPaymentFailing = (invoice) => this.scheduleRetry(invoice);
    invoices.onPaymentResult = (invoice, result) => this.afterInvoicePayment(invoice, result);
  }

  /** The next moment something happens to this subscription on its own, or null. */
  nextDueAt(subscription: Stripe.Subscription): number | null {
    const candidates: number[] = [];
    const schedule = this.status.schedule(subscription.id);
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
    this.status.end(subscription, now, 'payment_failed');
  }

  /** `endNow`: the trial is cut short (`trial_end=now`), so it ends at `now` rather than at `trial_end`. */
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
    this.billing.invoicePeriod(subscription, 'subscription_cycle', () =>
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
    const customer = this.core.state.customers.get(customerOf(subscription));
    return customer?.invoice_settings.default_payment_method != null;
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
    this.billing.invoicePeriod(subscription, 'subscription_cycle', () =>
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
    this.items.startPeriod(subscription, at);
    this.billing.invoicePeriod(subscription, 'subscription_cycle', () =>
      this.core.events.emit(
        'customer.subscription.updated',
        subscription,
        at,
        changedAttributes(before, subscription),
      ),
    );
  }

  private retryDunning(subscription: Stripe.Subscription, now: number): void {
    const schedule = this.status.schedule(subscription.id);
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
      this.status.end(subscription, now, 'payment_failed');
    } else {
      invoice.next_payment_attempt = dunning.retryAt[0];
    }
  }

  private afterInvoicePayment(invoice: Stripe.Invoice, result: PaymentAttemptResult): void {
    const subscriptionId = this.invoices.subscriptionOf(invoice);
    if (subscriptionId === null) return;
    const subscription = this.core.state.subscriptions.get(subscriptionId);
    if (subscription === undefined) return;
    const now = this.status.now(subscription);
    const schedule = this.status.schedule(subscription.id);
    if (result === 'paid') {
      if (schedule.dunning?.invoiceId === invoice.id) schedule.dunning = null;
      if (
        subscription.status === 'incomplete' ||
        subscription.status === 'past_due' ||
        subscription.status === 'unpaid'
      ) {
        this.status.set(subscription, 'active', now);
      }
      return;
    }
    if (invoice.status !== 'open') {
      if (schedule.dunning?.invoiceId === invoice.id) schedule.dunning = null;
      return;
    }
    if (invoice.billing_reason === 'subscription_create') return;
    if (subscription.status === 'active' || subscription.status === 'trialing')
      this.status.set(subscription, 'past_due', now);
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
    const schedule = this.status.schedule(subscription.id);
    const now = this.status.now(subscription);
    if (schedule.dunning === null || schedule.dunning.invoiceId !== invoice.id) {
      schedule.dunning = {
        invoiceId: invoice.id,
        retryAt: DUNNING_RETRY_DAYS.map((days) => now + days * SECONDS_PER_DAY),
      };
    }
    invoice.next_payment_attempt = schedule.dunning.retryAt[0] ?? null;
  }
}
