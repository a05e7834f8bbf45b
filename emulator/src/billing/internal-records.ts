import type Stripe from 'stripe';

/**
 * Facts Stripe keeps about objects without showing them in the API. They live in
 * `EmulatorState` next to the objects (plain JSON values, so persistence and per-request
 * rollback cover them); their shapes are the billing domain's business, so they are declared here.
 */

/** How a saved card behaves when charged; set from the test card number it was made from. */
export interface CardBehaviour {
  /** Decline reason for every charge, or null when charges succeed. */
  chargeDeclineCode: string | null;
  /** The card declines outright (9995, 0002, …) when attached or first used, as opposed to 0341. */
  declinesAtAttach: boolean;
}

/** Scheduling facts about a subscription that Stripe keeps internally and never shows. */
export interface SubscriptionSchedule {
  trialWillEndSentFor: number | null;
  /** The period end whose `invoice.upcoming` notice has gone out. */
  upcomingSentFor: number | null;
  /** Unpaid invoice being retried, with the times of the remaining attempts. */
  dunning: { invoiceId: string; retryAt: number[] } | null;
  /** A change waiting for its invoice to be paid (`payment_behavior=pending_if_incomplete`). */
  pendingUpdate: PendingSubscriptionUpdate | null;
}

export interface PendingSubscriptionUpdate {
  invoiceId: string;
  expiresAt: number;
  /** The items, trial end and anchor the subscription gets once the invoice is paid. */
  items: Stripe.SubscriptionItem[];
  trialEnd: number | null;
  billingCycleAnchor: number;
}

/** Something due on an invoice: finalizing a draft (`auto_advance`), or its due date passing. */
export interface InvoiceTimer {
  kind: 'finalize' | 'due';
  at: number;
}

export interface CheckoutSessionExtras {
  lineItems: Stripe.LineItem[];
  prices: { price: string; quantity: number }[];
  couponId: string | null;
  promotionCodeId: string | null;
  subscriptionMetadata: Record<string, string>;
  paymentIntentMetadata: Record<string, string>;
  trialEnd: number | null;
  trialPeriodDays: number | null;
  missingPaymentMethod: Stripe.Subscription.TrialSettings.EndBehavior.MissingPaymentMethod | null;
  /**
   * Stripe Tax: the address the session's tax is computed from once the buyer entered one (before
   * that, the customer's own address).
   */
  taxAddress?: Stripe.Address | null;
  /** `customer_update`: whether the address and name entered are saved onto the customer. */
  customerUpdate?: { address: 'auto' | 'never'; name: 'auto' | 'never' };
  /** Setup mode: what the SetupIntent is created with. */
  setupIntentData?: { description?: string; metadata?: Record<string, string> };
}
