import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import { invalidRequest } from '../http/stripe-error';
import type { EmulatorCore } from './emulator-core';
import type { PendingSubscriptionUpdate } from './internal-records';
import type { InvoiceService } from './invoices';
import type { SubscriptionBilling } from './subscription-billing';
import type {
  ProrationBehavior,
  SubscriptionItemInput,
  SubscriptionItems,
} from './subscription-items';
import type { SubscriptionStatus } from './subscription-status';

/** A pending update waits this long for its invoice to be paid, then lapses (and the invoice is voided). */
export const PENDING_UPDATE_EXPIRY_SECONDS = 23 * 3600;

export interface PendingUpdateInput {
  items: SubscriptionItemInput[];
  prorationBehavior: ProrationBehavior;
  /** `proration_date`: prorations as if the change happened then. */
  prorationAt?: number;
}

/**
 * `payment_behavior=pending_if_incomplete`: a change that bills at once is applied only when its
 * invoice is paid. Until then it waits in `pending_update` (for 23 hours) while the subscription
 * carries on as before.
 */
export class PendingUpdates {
  constructor(
    private readonly core: EmulatorCore,
    private readonly invoices: InvoiceService,
    private readonly items: SubscriptionItems,
    private readonly billing: SubscriptionBilling,
    private readonly status: SubscriptionStatus,
  ) {}

  /** Whether these changes make an invoice now (otherwise they apply as a plain update). */
  billsAtOnce(subscription: Stripe.Subscription, input: PendingUpdateInput, now: number): boolean {
    if (subscription.status === 'trialing') return false;
    const preview = structuredClone(subscription);
    const change = this.items.change(
      preview,
      input.items,
      input.prorationBehavior,
      now,
      false,
      input.prorationAt ?? now,
    );
    return (
      change.periodReset ||
      (change.prorations.length > 0 && input.prorationBehavior === 'always_invoice')
    );
  }

  /**
   * Invoices the changes against the subscription as it is; applies them if the invoice is paid,
   * keeps them pending otherwise.
   */
  start(subscription: Stripe.Subscription, input: PendingUpdateInput, now: number): void {
    if (subscription.collection_method === 'send_invoice')
      throw invalidRequest(
        'Pending updates are not supported when collection_method is send_invoice.',
        'parameter_invalid',
        'payment_behavior',
      );
    const target = structuredClone(subscription);
    const change = this.items.change(
      target,
      input.items,
      input.prorationBehavior,
      now,
      true,
      input.prorationAt ?? now,
    );
    const end = target.items.data[0].current_period_end;
    const lines = change.periodReset
      ? [...change.prorations, ...this.billing.itemLines(target, now, end, false)]
      : change.prorations.map((line) => this.billing.toPendingInvoiceItem(subscription, line));
    const invoice = this.billing.createInvoice(
      subscription,
      'subscription_update',
      now,
      change.periodReset ? end : change.prorations[0].periodEnd,
      lines,
    );
    this.status.schedule(subscription.id).pendingUpdate = {
      invoiceId: invoice.id,
      expiresAt: now + PENDING_UPDATE_EXPIRY_SECONDS,
      items: target.items.data,
      trialEnd: target.trial_end,
      billingCycleAnchor: target.billing_cycle_anchor,
    };
    if (this.invoices.attemptPayment(invoice) === 'paid') return;
    // Unpaid: the change waits, shown in pending_update; the subscription is otherwise unchanged.
    const before = structuredClone(subscription);
    subscription.pending_update = this.shown(
      this.pendingOf(subscription) as PendingSubscriptionUpdate,
    );
    this.core.events.emit(
      'customer.subscription.updated',
      subscription,
      now,
      changedAttributes(before, subscription),
    );
  }

  pendingOf(subscription: Stripe.Subscription): PendingSubscriptionUpdate | null {
    return this.status.schedule(subscription.id).pendingUpdate;
  }

  private shown(pending: PendingSubscriptionUpdate): Stripe.Subscription.PendingUpdate {
    return {
      billing_cycle_anchor: pending.billingCycleAnchor,
      cancel_at_period_end: null,
      discount: null,
      discounts: null,
      expires_at: pending.expiresAt,
      metadata: null,
      subscription_items: pending.items,
      trial_end: pending.trialEnd,
      trial_from_plan: null,
    };
  }

  /** The invoice of a pending update was paid: the change is applied. */
  apply(subscription: Stripe.Subscription, now: number): void {
    const pending = this.pendingOf(subscription);
    if (pending === null) return;
    this.status.schedule(subscription.id).pendingUpdate = null;
    const before = structuredClone(subscription);
    subscription.items.data = pending.items;
    subscription.trial_end = pending.trialEnd;
    subscription.billing_cycle_anchor = pending.billingCycleAnchor;
    subscription.pending_update = null;
    this.core.events.emit(
      'customer.subscription.updated',
      subscription,
      now,
      changedAttributes(before, subscription),
    );
    this.core.events.emit('customer.subscription.pending_update_applied', subscription, now);
  }

  /** Nobody paid in time: the change is dropped and its invoice voided. */
  expire(subscription: Stripe.Subscription, now: number): void {
    const pending = this.pendingOf(subscription);
    if (pending === null) return;
    this.status.schedule(subscription.id).pendingUpdate = null;
    const invoice = this.core.state.invoices.get(pending.invoiceId);
    if (invoice?.status === 'open') this.invoices.void(invoice.id);
    const before = structuredClone(subscription);
    subscription.pending_update = null;
    this.core.events.emit(
      'customer.subscription.updated',
      subscription,
      now,
      changedAttributes(before, subscription),
    );
    this.core.events.emit('customer.subscription.pending_update_expired', subscription, now);
  }
}
