import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import type { EmulatorCore } from './emulator-core';
import type { SubscriptionSchedule } from './internal-records';

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

export function customerOf(subscription: Stripe.Subscription): string {
  return typeof subscription.customer === 'string'
    ? subscription.customer
    : subscription.customer.id;
}

/** A subscription's status changes and its internal schedule, shared by the subscription services. */
export class SubscriptionStatus {
  constructor(private readonly core: EmulatorCore) {}

  now(subscription: Stripe.Subscription): number {
    return this.core.nowFor(customerOf(subscription));
  }

  schedule(subscriptionId: string): SubscriptionSchedule {
    let schedule = this.core.state.subscriptionSchedules.get(subscriptionId);
    if (schedule === undefined) {
      schedule = {
        trialWillEndSentFor: null,
        upcomingSentFor: null,
        dunning: null,
        pendingUpdate: null,
      };
      this.core.state.subscriptionSchedules.set(subscriptionId, schedule);
    }
    return schedule;
  }

  /** The card a retry would use: the subscription's, else the customer's default. */
  paymentMethodOf(subscription: Stripe.Subscription): string | null {
    const own = subscription.default_payment_method;
    if (own !== null) return typeof own === 'string' ? own : own.id;
    const fallback = this.core.state.customers.get(customerOf(subscription))?.invoice_settings
      .default_payment_method;
    if (fallback == null) return null;
    return typeof fallback === 'string' ? fallback : fallback.id;
  }

  set(subscription: Stripe.Subscription, status: Stripe.Subscription.Status, now: number): void {
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

  /** Ends a subscription (`canceled`, or `incomplete_expired` when it never started). */
  end(
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
}
