import type Stripe from 'stripe';
import type { BillingSettings } from '../billing/billing-settings';
import type {
  CardBehaviour,
  CheckoutSessionExtras,
  InvoiceTimer,
  SubscriptionSchedule,
} from '../billing/internal-records';
import { Collection } from './collection';
import { StateMap } from './state-container';

export interface WebhookEndpointRecord {
  id: string;
  endpoint: Stripe.WebhookEndpoint;
  secret: string;
}

/** One recorded attempt to deliver an event to a webhook endpoint. */
export interface DeliveryAttempt {
  id: string;
  event: string;
  eventType: string;
  endpoint: string;
  url: string;
  attempt: number;
  /** HTTP status, or null when the request failed or timed out. */
  statusCode: number | null;
  succeeded: boolean;
  responseBody: string;
  error: string | null;
  durationMs: number;
  /** Wall-clock time of the attempt, ISO 8601. */
  at: string;
  duplicate: boolean;
}

/** A delivery still owed to an endpoint: kept until it succeeds or runs out of retries. */
export interface PendingDelivery {
  id: string;
  event: string;
  endpoint: string;
  /** The attempt to make next (1 = first). */
  attempt: number;
  duplicate: boolean;
  /** Not before this wall-clock time (ms), for delivery delays and wall-clock retries. */
  notBeforeMs: number;
  /** Not before this emulated time (s), for retries on Stripe's schedule; null when unused. */
  notBeforeEmulated: number | null;
}

/** A stored response to an `Idempotency-Key` (id: API key scope + key). */
export interface IdempotencyRecord {
  id: string;
  fingerprint: string;
  statusCode: number;
  body: string;
  createdAt: number;
}

/**
 * Every piece of the emulator's state, keyed by id. Each field is a `Collection`, a `Map` or a
 * `Set` of plain JSON data: the store (state-store.ts) makes every request atomic over them and
 * persists them with no per-field code, so a new field needs nothing more than its declaration.
 * Reset empties it all.
 */
export class EmulatorState {
  readonly customers = new Collection<Stripe.Customer>();
  readonly deletedCustomers = new Set<string>();
  readonly products = new Collection<Stripe.Product>();
  readonly prices = new Collection<Stripe.Price>();
  readonly coupons = new Collection<Stripe.Coupon>();
  /** Coupon → the products it is limited to (`applies_to`, shown only when expanded). */
  readonly couponAppliesTo = new Map<string, string[]>();
  readonly promotionCodes = new Collection<Stripe.PromotionCode>();
  readonly discounts = new Collection<Stripe.Discount>();
  readonly paymentMethods = new Collection<Stripe.PaymentMethod>();
  readonly cardBehaviour = new Map<string, CardBehaviour>();
  readonly checkoutSessions = new Collection<Stripe.Checkout.Session>();
  readonly checkoutExtras = new Map<string, CheckoutSessionExtras>();
  readonly portalSessions = new Collection<Stripe.BillingPortal.Session>();
  readonly subscriptions = new Collection<Stripe.Subscription>();
  readonly subscriptionSchedules = new Map<string, SubscriptionSchedule>();
  /** Subscription item id → subscription id, so `si_` ids resolve in O(1). */
  readonly subscriptionItemOwner = new Map<string, string>();
  readonly invoices = new Collection<Stripe.Invoice>();
  readonly invoiceItems = new Collection<Stripe.InvoiceItem>();
  readonly invoicePayments = new Collection<Stripe.InvoicePayment>();
  /** Invoice id → its invoice_payment ids, oldest first. */
  readonly paymentsByInvoice = new Map<string, string[]>();
  readonly paymentIntents = new Collection<Stripe.PaymentIntent>();
  /** Authorized, uncaptured payment intents → when their authorization lapses. */
  readonly uncapturedPaymentIntents = new Map<string, number>();
  readonly charges = new Collection<Stripe.Charge>();
  readonly setupIntents = new Collection<Stripe.SetupIntent>();
  readonly refunds = new Collection<Stripe.Refund>();
  readonly events = new Collection<Stripe.EventBase>();
  readonly webhookEndpoints = new Collection<WebhookEndpointRecord>();
  readonly testClocks = new Collection<Stripe.TestHelpers.TestClock>();
  readonly taxRates = new Collection<Stripe.TaxRate>();
  /** Stripe Tax's jurisdiction (`DE`, `US-CA`) → the tax rate its line taxes name. */
  readonly automaticTaxRates = new Map<string, string>();
  /** Customers' tax ids (`txi_…`). */
  readonly taxIds = new Collection<Stripe.TaxId>();
  /** Billing settings changed through the control API (Stripe keeps them in its Dashboard). */
  readonly billingSettings = new Map<string, BillingSettings>();
  /** Invoices waiting for a moment: a draft to finalize, or a due date to pass. */
  readonly invoiceTimers = new Map<string, InvoiceTimer>();
  /** The global clock: `offsetSeconds` from wall time (control API advances it). */
  readonly globalClock = new StateMap<'offsetSeconds', number>();
  readonly idempotencyRecords = new Collection<IdempotencyRecord>();
  readonly webhookDeliveries = new Collection<DeliveryAttempt>();
  readonly webhookOutbox = new Collection<PendingDelivery>();

  /** Empties every collection and index (control API reset). */
  clear(): void {
    for (const value of Object.values(this) as unknown[]) {
      if (value instanceof Collection || value instanceof Map || value instanceof Set)
        value.clear();
    }
  }
}
