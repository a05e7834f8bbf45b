import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import type { BillingSettingsStore } from './billing-settings';
import type { EmulatorCore } from './emulator-core';
import type { PaymentAttemptResult } from './invoice-collection';
import type { InvoiceService } from './invoices';
import type { PaymentMethodService } from './payment-methods';
import type { PendingUpdates } from './pending-updates';
import { customerOf, type SubscriptionStatus } from './subscription-status';

/** Declines that retrying the same card cannot cure: Stripe does not retry them. */
const HARD_DECLINES = new Set([
  'lost_card',
  'stolen_card',
  'pickup_card',
  'incorrect_number',
  'fraudulent',
]);

/**
 * What a subscription's payments do to it: paid invoices activate it (and may save the card),
 * failed ones make it past due and are retried on the Smart Retries schedule until the
 * configured end state; an overdue sent invoice makes it past due.
 */
export class SubscriptionDunning {
  constructor(
    private readonly core: EmulatorCore,
    private readonly invoices: InvoiceService,
    private readonly status: SubscriptionStatus,
    private readonly settings: BillingSettingsStore,
    private readonly paymentMethods: PaymentMethodService,
    private readonly pendingUpdates: PendingUpdates,
  ) {
    invoices.collection.onPaymentFailing = (invoice) => this.scheduleRetry(invoice);
    invoices.collection.onPaymentResult = (invoice, result) =>
      this.afterInvoicePayment(invoice, result);
    invoices.onOverdue = (invoice) => this.overdue(invoice);
  }

  retry(subscription: Stripe.Subscription, now: number): void {
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
    const method = this.status.paymentMethodOf(subscription);
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
