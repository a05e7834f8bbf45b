import type Stripe from 'stripe';
import { resourceMissing } from '../http/stripe-error';
import type { CustomerService } from './customers';
import type { EmulatorCore } from './emulator-core';
import type { SubscriptionBilling } from './subscription-billing';
import type { SubscriptionCreateInput, SubscriptionCreation } from './subscription-creation';
import type { SubscriptionItems } from './subscription-items';
import type { SubscriptionLifecycle } from './subscription-lifecycle';
import type { SubscriptionStatus } from './subscription-status';
import type { SubscriptionUpdateInput, SubscriptionUpdates } from './subscription-updates';

export type { ProrationBehavior, SubscriptionItemInput } from './subscription-items';
export type { SubscriptionCreateInput } from './subscription-creation';
export type { SubscriptionUpdateInput } from './subscription-updates';

export interface SubscriptionCancelInput {
  invoiceNow?: boolean;
  prorate?: boolean;
  comment?: string | null;
  feedback?: Stripe.Subscription.CancellationDetails.Feedback | null;
}

/**
 * Subscriptions: the front door for what the API, pages and clocks do to them. Creation and
 * updates live in their own services; the clock's work in `SubscriptionLifecycle`.
 */
export class SubscriptionService {
  constructor(
    private readonly core: EmulatorCore,
    customers: CustomerService,
    readonly items: SubscriptionItems,
    private readonly billing: SubscriptionBilling,
    readonly lifecycle: SubscriptionLifecycle,
    private readonly status: SubscriptionStatus,
    private readonly creation: SubscriptionCreation,
    private readonly updates: SubscriptionUpdates,
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

  create(input: SubscriptionCreateInput): Stripe.Subscription {
    return this.creation.create(input);
  }

  update(id: string, input: SubscriptionUpdateInput): Stripe.Subscription {
    return this.updates.update(this.get(id), input);
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
