import type Stripe from 'stripe';
import {
  StripeApiError,
  resourceMissing,
  parameterInvalid,
  parameterMissing,
} from '../http/stripe-error';
import { addBillingPeriods } from './billing-periods';
import type { CustomerService } from './customers';
import type { DiscountChoice, DiscountService } from './discounts';
import type { EmulatorCore } from './emulator-core';
import type { InvoiceDraft, InvoiceLineSpec } from './invoice-builder';
import type { InvoicePreviews } from './invoice-preview';
import type { SubscriptionBilling } from './subscription-billing';
import type {
  ProrationBehavior,
  SubscriptionItemInput,
  SubscriptionItems,
} from './subscription-items';
import { customerOf, isLiveSubscription } from './subscription-status';
import type { TaxRateService } from './tax-rates';

export interface CreatePreviewInput {
  customer?: string;
  subscription?: string;
  /** The coupon the preview applies instead of the subscription's own discount. */
  discount?: DiscountChoice | null;
  details?: {
    items?: SubscriptionItemInput[];
    prorationBehavior?: ProrationBehavior;
    prorationDate?: number;
    billingCycleAnchor?: 'now' | 'unchanged' | number;
    trialEnd?: 'now' | number;
    cancelAtPeriodEnd?: boolean;
    defaultTaxRates?: string[];
  };
}

function nothingToInvoice(customer: string): StripeApiError {
  return new StripeApiError(404, {
    type: 'invalid_request_error',
    code: 'invoice_upcoming_none',
    message: `No upcoming invoices for customer: ${customer}`,
  });
}

/** `parent.subscription_details.subscription_proration_date`, as Stripe sets it on such previews. */
function withProrationDate(invoice: Stripe.Invoice, at: number): Stripe.Invoice {
  const details = invoice.parent?.subscription_details;
  if (invoice.parent === null || details === null || details === undefined) return invoice;
  return {
    ...invoice,
    parent: {
      ...invoice.parent,
      subscription_details: { ...details, subscription_proration_date: at },
    },
  };
}

/**
 * `POST /v1/invoices/create_preview`: the invoice a customer or subscription would get next, or
 * what a change (`subscription_details`) would bill, or the first invoice of a new subscription;
 * computed from copies, so nothing is stored and no event is sent.
 */
export class CreatePreview {
  constructor(
    private readonly core: EmulatorCore,
    private readonly customers: CustomerService,
    private readonly discounts: DiscountService,
    private readonly items: SubscriptionItems,
    private readonly billing: SubscriptionBilling,
    private readonly previews: InvoicePreviews,
    private readonly taxRates: TaxRateService,
  ) {}

  preview(input: CreatePreviewInput): Stripe.Invoice {
    if (input.subscription !== undefined) return this.forSubscription(input);
    if (input.customer === undefined) throw parameterMissing('customer');
    const customer = this.customers.get(input.customer, 'customer');
    if (input.details?.items !== undefined) return this.newSubscription(customer, input);
    // The customer's next invoice: the live subscription that renews first.
    const next = [...this.core.state.subscriptions.values()]
      .filter(
        (subscription) =>
          subscription.customer === customer.id &&
          isLiveSubscription(subscription) &&
          subscription.status !== 'paused' &&
          !subscription.cancel_at_period_end,
      )
      .sort((a, b) => this.previews.nextPeriod(a).start - this.previews.nextPeriod(b).start)[0];
    if (next === undefined) throw nothingToInvoice(customer.id);
    return this.renewal(structuredClone(next), input, []);
  }

  private forSubscription(input: CreatePreviewInput): Stripe.Invoice {
    const stored = this.core.state.subscriptions.get(input.subscription as string);
    if (stored === undefined)
      throw resourceMissing('subscription', input.subscription as string, 'subscription');
    if (input.customer !== undefined && input.customer !== customerOf(stored))
      throw parameterInvalid('customer', 'The subscription does not belong to this customer.');
    if (!isLiveSubscription(stored)) throw nothingToInvoice(customerOf(stored));
    // Work on a copy: a preview changes nothing.
    const subscription = structuredClone(stored);
    const details = input.details ?? {};
    const now = this.core.nowFor(customerOf(subscription));
    if (details.defaultTaxRates !== undefined)
      subscription.default_tax_rates = this.taxRates.resolve(
        details.defaultTaxRates,
        'subscription_details[default_tax_rates]',
      );
    if (details.cancelAtPeriodEnd === true) throw nothingToInvoice(customerOf(subscription));
    const prorationAt = details.prorationDate ?? now;
    const item = subscription.items.data[0];
    if (prorationAt < item.current_period_start || prorationAt > item.current_period_end)
      throw parameterInvalid(
        'subscription_details[proration_date]',
        'proration_date must be within the current billing period of the subscription.',
      );
    if (details.trialEnd !== undefined && subscription.status === 'trialing') {
      const trialEnd = details.trialEnd === 'now' ? now : details.trialEnd;
      subscription.trial_end = trialEnd;
      for (const entry of subscription.items.data) entry.current_period_end = trialEnd;
    }
    const behavior = details.prorationBehavior ?? 'create_prorations';
    if (details.prorationDate !== undefined && behavior === 'none')
      throw parameterInvalid(
        'subscription_details[proration_date]',
        'proration_date cannot be used when proration_behavior is none.',
      );
    let prorations: InvoiceLineSpec[] = [];
    let periodReset = false;
    if (details.items !== undefined && details.items.length > 0) {
      const change = this.items.change(
        subscription,
        details.items,
        details.billingCycleAnchor === 'now' ? 'none' : behavior,
        now,
        false,
        prorationAt,
      );
      prorations = change.prorations;
      periodReset = change.periodReset;
    }
    if (details.billingCycleAnchor === 'now') {
      prorations = behavior === 'none' ? [] : this.items.unusedTimeCredits(stored, prorationAt);
      this.items.startPeriod(subscription, now);
      periodReset = true;
    }
    // Stripe names the instant it prorated for on a preview that previews prorations.
    const prorated =
      behavior !== 'none' && (details.items !== undefined || details.billingCycleAnchor === 'now');
    const stamp = (invoice: Stripe.Invoice): Stripe.Invoice =>
      prorated ? withProrationDate(invoice, prorationAt) : invoice;
    // What the change would bill at once: a restarted period, or prorations always invoiced.
    if (periodReset || (behavior === 'always_invoice' && prorations.length > 0)) {
      const end = periodReset
        ? subscription.items.data[0].current_period_end
        : prorations[0].periodEnd;
      return stamp(
        this.build(subscription, input, 'subscription_update', now, end, now, [
          ...(periodReset ? [] : this.billing.pendingItemLines(subscription)),
          ...prorations,
          ...(periodReset ? this.billing.itemLines(subscription, now, end, false) : []),
        ]),
      );
    }
    return stamp(this.renewal(subscription, input, behavior === 'none' ? [] : prorations));
  }

  /** The next renewal of a (copied) subscription, with `extra` prorations billed on it. */
  private renewal(
    subscription: Stripe.Subscription,
    input: CreatePreviewInput,
    extra: InvoiceLineSpec[],
  ): Stripe.Invoice {
    const { start, end } = this.previews.nextPeriod(subscription);
    return this.build(subscription, input, 'upcoming', start, end, start, [
      ...this.billing.pendingItemLines(subscription),
      ...extra,
      ...this.billing.itemLines(subscription, start, end, false),
    ]);
  }

  /** The first invoice of a subscription the customer does not have yet. */
  private newSubscription(customer: Stripe.Customer, input: CreatePreviewInput): Stripe.Invoice {
    const details = input.details ?? {};
    const now = this.core.nowFor(customer.id);
    const prices = this.items.resolvePrices(details.items ?? []);
    if (prices.length === 0) throw parameterMissing('subscription_details[items]');
    const recurring = prices[0].price.recurring as Stripe.Price.Recurring;
    const trialEnd =
      details.trialEnd === undefined || details.trialEnd === 'now' ? null : details.trialEnd;
    const end = trialEnd ?? addBillingPeriods(now, recurring.interval, recurring.interval_count, 1);
    const lines: InvoiceLineSpec[] = prices.map(({ price, quantity }) => ({
      amount: trialEnd === null ? (price.unit_amount ?? 0) * quantity : 0,
      description: `${trialEnd === null ? `${quantity} × ` : 'Trial period for '}${this.items.productName(price)}`,
      price,
      quantity,
      periodStart: now,
      periodEnd: end,
      subscriptionItem: null,
      invoiceItem: null,
      proration: false,
    }));
    const coupon = this.couponOf(input.discount ?? null);
    return this.previews.build(
      {
        customer: customer.id,
        subscription: null,
        billingReason: 'subscription_create',
        lines,
        periodStart: now,
        periodEnd: end,
        currency: prices[0].price.currency,
        discount: null,
        coupon,
        taxRates: this.taxRates.resolve(
          details.defaultTaxRates ?? [],
          'subscription_details[default_tax_rates]',
        ),
      },
      now,
    );
  }

  private couponOf(choice: DiscountChoice | null): Stripe.Coupon | null {
    return choice === null ? null : (this.core.state.coupons.get(choice.couponId) ?? null);
  }

  private build(
    subscription: Stripe.Subscription,
    input: CreatePreviewInput,
    reason: Stripe.Invoice.BillingReason,
    start: number,
    end: number,
    at: number,
    lines: InvoiceLineSpec[],
  ): Stripe.Invoice {
    const applied = this.discounts.activeOn(subscription, at);
    const draft: InvoiceDraft = {
      customer: customerOf(subscription),
      subscription,
      billingReason: reason,
      lines,
      periodStart: start,
      periodEnd: end,
      currency: subscription.currency,
      discount: input.discount === undefined ? (applied?.discount ?? null) : null,
      coupon:
        input.discount === undefined ? (applied?.coupon ?? null) : this.couponOf(input.discount),
      collectionMethod: subscription.collection_method,
      taxRates: this.billing.taxRatesOf(subscription),
      automaticTax: subscription.automatic_tax.enabled,
    };
    return this.previews.build(draft, at);
  }
}
