import type Stripe from 'stripe';
import { invalidRequest, parameterMissing } from '../http/stripe-error';

export interface SubscriptionFields {
  id: string;
  customer: Stripe.Customer;
  now: number;
  currency: string;
  items: Stripe.SubscriptionItem[];
  periodEnd: number;
  trialEnd: number | null;
  defaultPaymentMethod: string | null;
  description: string | null;
  metadata: Record<string, string>;
  missingPaymentMethod: Stripe.Subscription.TrialSettings.EndBehavior.MissingPaymentMethod;
  collectionMethod: Stripe.Subscription.CollectionMethod;
  daysUntilDue: number | null;
  defaultTaxRates: Stripe.TaxRate[];
  /** Stripe Tax computes each invoice's tax from the customer's location. */
  automaticTax?: boolean;
}

/** A new subscription object in this API version's shape (nothing is stored or announced here). */
export function buildSubscription(fields: SubscriptionFields): Stripe.Subscription {
  const { id, now, trialEnd, periodEnd } = fields;
  return {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: {
      disabled_reason: null,
      enabled: fields.automaticTax === true,
      liability: fields.automaticTax === true ? { type: 'self' } : null,
    },
    billing_cycle_anchor: periodEnd === trialEnd ? trialEnd : now,
    billing_cycle_anchor_config: null,
    billing_mode: { type: 'classic', flexible: null, updated_at: now },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: fields.collectionMethod,
    created: now,
    currency: fields.currency,
    customer: fields.customer.id,
    customer_account: null,
    days_until_due: fields.daysUntilDue,
    default_payment_method: fields.defaultPaymentMethod,
    default_source: null,
    default_tax_rates: structuredClone(fields.defaultTaxRates),
    description: fields.description,
    discounts: [],
    ended_at: null,
    invoice_settings: {
      account_tax_ids: null,
      custom_fields: null,
      description: null,
      footer: null,
      issuer: { type: 'self' },
    },
    items: {
      object: 'list',
      data: fields.items,
      has_more: false,
      url: `/v1/subscription_items?subscription=${id}`,
    },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: fields.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: 'off',
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: now,
    // A subscription billed by sent invoices is active at once; one charged waits for payment.
    status:
      trialEnd !== null
        ? 'trialing'
        : fields.collectionMethod === 'send_invoice'
          ? 'active'
          : 'incomplete',
    test_clock: fields.customer.test_clock ?? null,
    transfer_data: null,
    trial_end: trialEnd,
    trial_settings: {
      end_behavior: {
        billing_cycle_anchor: null,
        missing_payment_method: fields.missingPaymentMethod,
      },
    },
    trial_start: trialEnd !== null ? now : null,
  };
}

/**
 * `send_invoice` needs `days_until_due` (the invoices' payment terms); `charge_automatically`
 * takes none, as in Stripe.
 */
export function collectionTerms(
  method: Stripe.Subscription.CollectionMethod,
  daysUntilDue: number | undefined,
): { collectionMethod: Stripe.Subscription.CollectionMethod; daysUntilDue: number | null } {
  if (method === 'send_invoice') {
    if (daysUntilDue === undefined) throw parameterMissing('days_until_due');
    return { collectionMethod: method, daysUntilDue };
  }
  if (daysUntilDue !== undefined)
    throw invalidRequest(
      'days_until_due can only be set when collection_method is send_invoice.',
      'parameter_invalid',
      'days_until_due',
    );
  return { collectionMethod: method, daysUntilDue: null };
}
