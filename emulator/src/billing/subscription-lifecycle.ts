import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import { invalidRequest } from '../http/stripe-error';
import { SECONDS_PER_DAY } from './billing-periods';
import type { BillingSettingsStore } from './billing-settings';
import type { EmulatorCore } from './emulator-core';
import type { InvoicePreviews } from './invoice-preview';
import type { InvoiceService } from './invoices';
import type { PendingUpdates } from './pending-updates';
import type { SubscriptionDunning } from './subscription-dunning';
import type { SubscriptionBilling } from './subscription-billing';
import type { SubscriptionItems } from './subscription-items';
import { isLiveSubscription, type SubscriptionStatus } from './subscription-status';

/** `customer.subscription.trial_will_end` is sent this long before the trial ends. */
export const TRIAL_WILL_END_NOTICE_SECONDS = 3 * SECONDS_PER_DAY;
/** An `incomplete` subscription whose first invoice is never paid expires after 23 hours. */
export const INCOMPLETE_EXPIRY_SECONDS = 23 * 3600;

/**
 * What happens to subscriptions as time passes: trial notices and trial ends, renewal invoices
 * (drafts finalized later), `invoice.upcoming`, collection pauses ending, pending updates
 * lapsing, expiry of incomplete subscriptions. Failed payments are `SubscriptionDunning`'s.
 */
export class SubscriptionLifecycle {
  constructor(
    private readonly core: EmulatorCore,
    private readonly invoices: InvoiceService,
    private readonly items: SubscriptionItems,
    private readonly billing: SubscriptionBilling,
    private readonly status: SubscriptionStatus,
    private readonly settings: BillingSettingsStore,
    private readonly previews: InvoicePreviews,
    private readonly pendingUpdates: PendingUpdates,
    private readonly dunning: SubscriptionDunning,
  ) {}

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
      this.dunning.retry(subscription, now);
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
      subscription.status_details = {
        paused: {
          type: 'subscription',
          subscription: { type: 'trial_end_without_payment_method' },
          transitioned_at: trialEnd,
        },
      };
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
    return this.status.paymentMethodOf(subscription) !== null;
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
    delete subscription.status_details;
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
}
