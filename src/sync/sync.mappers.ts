import type Stripe from 'stripe';
import type { PaymentStatus, SubscriptionStatus } from '../generated/prisma/enums';
import { SUBSCRIPTION_STATUSES } from '../subscriptions/subscription-status';
import { fromUnix, idOf } from './stripe-ids';

/**
 * Pure conversions from Stripe objects (as re-fetched, in API version 2026-10-28) to the
 * columns we store. They are where Stripe's shapes bite: periods live on subscription items,
 * an invoice reaches its subscription through `parent.subscription_details`.
 */

export interface SubscriptionFields {
  stripeId: string;
  stripeCustomerId: string;
  status: SubscriptionStatus;
  priceId: string;
  productId: string;
  quantity: number;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | null;
  canceledAt: Date | null;
  endedAt: Date | null;
  trialStart: Date | null;
  trialEnd: Date | null;
  metadata: Record<string, string>;
  stripeCreatedAt: Date;
}

/** The item that carries the plan: this service sells one price per subscription. */
export function primaryItem(subscription: Stripe.Subscription): Stripe.SubscriptionItem {
  const item = subscription.items.data[0];
  if (item === undefined) throw new Error(`subscription ${subscription.id} has no items`);
  return item;
}

/** A status this API version does not list fails loudly rather than being guessed at. */
export function subscriptionStatusOf(subscription: Stripe.Subscription): SubscriptionStatus {
  const status = subscription.status as SubscriptionStatus;
  if (!SUBSCRIPTION_STATUSES.includes(status)) {
    throw new Error(
      `subscription ${subscription.id} has an unknown status "${subscription.status}"`,
    );
  }
  return status;
}

export function toSubscriptionFields(subscription: Stripe.Subscription): SubscriptionFields {
  const item = primaryItem(subscription);
  const customerId = idOf(subscription.customer);
  if (customerId === null) throw new Error(`subscription ${subscription.id} has no customer`);
  return {
    stripeId: subscription.id,
    stripeCustomerId: customerId,
    status: subscriptionStatusOf(subscription),
    priceId: item.price.id,
    productId: idOf(item.price.product) ?? '',
    quantity: item.quantity ?? 1,
    currentPeriodStart: fromUnix(item.current_period_start),
    currentPeriodEnd: fromUnix(item.current_period_end),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    cancelAt: fromUnix(subscription.cancel_at),
    canceledAt: fromUnix(subscription.canceled_at),
    endedAt: fromUnix(subscription.ended_at),
    trialStart: fromUnix(subscription.trial_start),
    trialEnd: fromUnix(subscription.trial_end),
    metadata: subscription.metadata ?? {},
    stripeCreatedAt: new Date(subscription.created * 1000),
  };
}

export function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  return idOf(invoice.parent?.subscription_details?.subscription ?? null);
}

/**
 * An invoice's line in billing history. Drafts are not history yet; an open invoice that has
 * been attempted and is unpaid is a failed payment.
 */
export function invoicePaymentStatus(invoice: Stripe.Invoice): PaymentStatus | null {
  switch (invoice.status) {
    case 'paid':
      return 'COMPLETED';
    case 'open':
      return invoice.attempt_count > 0 ? 'FAILED' : 'PENDING';
    case 'uncollectible':
      return 'FAILED';
    case 'void':
      return 'CANCELLED';
    default:
      return null;
  }
}

export interface InvoicePaymentFields {
  sourceKey: string;
  type: 'SUBSCRIPTION' | 'ONE_TIME';
  status: PaymentStatus;
  amount: number;
  currency: string;
  description: string | null;
  stripeInvoiceId: string;
  stripeSubscriptionId: string | null;
  hostedInvoiceUrl: string | null;
  occurredAt: Date;
}

export function toInvoicePayment(invoice: Stripe.Invoice): InvoicePaymentFields | null {
  const status = invoicePaymentStatus(invoice);
  if (status === null || invoice.id === undefined) return null;
  const subscriptionId = invoiceSubscriptionId(invoice);
  const paidAt = invoice.status_transitions?.paid_at;
  const line = invoice.lines?.data?.[0];
  return {
    sourceKey: `invoice:${invoice.id}`,
    type: subscriptionId === null ? 'ONE_TIME' : 'SUBSCRIPTION',
    status,
    amount: status === 'COMPLETED' ? invoice.amount_paid : invoice.amount_due,
    currency: invoice.currency,
    description: line?.description ?? invoice.description ?? null,
    stripeInvoiceId: invoice.id,
    stripeSubscriptionId: subscriptionId,
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
    occurredAt: new Date(
      (paidAt ?? invoice.status_transitions?.finalized_at ?? invoice.created) * 1000,
    ),
  };
}

export type CheckoutStatus = 'open' | 'complete' | 'expired';

export function checkoutStatusOf(session: Stripe.Checkout.Session): CheckoutStatus {
  if (session.status === 'complete') return 'complete';
  return session.status === 'expired' ? 'expired' : 'open';
}

/** The account id a checkout session or subscription names, if it is a well-formed UUID. */
export function claimedAccountId(...candidates: (string | null | undefined)[]): string | null {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  return (
    candidates.find((value): value is string => typeof value === 'string' && uuid.test(value)) ??
    null
  );
}
