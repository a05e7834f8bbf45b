import type Stripe from 'stripe';
import { invalidRequest, parameterInvalid, parameterMissing } from '../http/stripe-error';
import { newId } from '../store/ids';
import {
  SECONDS_PER_DAY,
  addBillingPeriods,
  anchorFromConfig,
  type AnchorConfig,
} from './billing-periods';
import type { CustomerService } from './customers';
import type { DiscountChoice, DiscountService } from './discounts';
import type { EmulatorCore } from './emulator-core';
import type { InvoiceLineSpec } from './invoice-builder';
import type { InvoiceService } from './invoices';
import { cardError, type PaymentMethodService } from './payment-methods';
import type { SubscriptionBilling } from './subscription-billing';
import { buildSubscription, collectionTerms } from './subscription-builder';
import type { SubscriptionItemInput, SubscriptionItems } from './subscription-items';
import type { SubscriptionLifecycle } from './subscription-lifecycle';
import type { SubscriptionStatus } from './subscription-status';
import type { TaxRateService } from './tax-rates';
import { isTaxLocation } from './automatic-tax';

/**
 * Stripe refuses automatic tax for a customer whose location it cannot recognise, and tax rates
 * together with automatic tax.
 */
export function checkAutomaticTax(customer: Stripe.Customer, hasTaxRates: boolean): void {
  if (hasTaxRates)
    throw invalidRequest(
      'You cannot use `default_tax_rates` together with `automatic_tax[enabled]=true`.',
      'parameter_invalid',
      'default_tax_rates',
    );
  if (!isTaxLocation(customer.address))
    throw invalidRequest(
      "The customer's location isn't recognized, so automatic tax can't be calculated. Set an address on the customer with at least a country (and a postal code in the US and Canada).",
      'customer_tax_location_invalid',
      'customer',
    );
}

export interface SubscriptionCreateInput {
  /** Tax rates (`txr_…`) applied to every invoice of the subscription. */
  defaultTaxRates?: string[];
  /** `automatic_tax[enabled]`: Stripe Tax (emulated) taxes every invoice by the customer's location. */
  automaticTax?: boolean;
  /** A future start of the billing cycle; the time until then is a stub period. */
  billingCycleAnchor?: number;
  billingCycleAnchorConfig?: AnchorConfig;
  /** How the stub period before the anchor is billed: prorated (default) or free. */
  prorationBehavior?: 'create_prorations' | 'none';
  customer: string;
  items: SubscriptionItemInput[];
  defaultPaymentMethod?: string | null;
  trialPeriodDays?: number;
  trialEnd?: number | 'now';
  metadata?: Record<string, string>;
  discount?: DiscountChoice | null;
  cancelAtPeriodEnd?: boolean;
  description?: string | null;
  /**
   * `default_incomplete`: the first invoice's payment is prepared but not attempted, even with a
   * saved card; the client confirms its payment intent.
   */
  paymentBehavior?: 'allow_incomplete' | 'error_if_incomplete' | 'default_incomplete';
  /** `on_subscription`: the card that pays an invoice becomes the subscription's default. */
  saveDefaultPaymentMethod?: 'off' | 'on_subscription';
  checkoutSession?: string | null;
  /** What happens when the trial ends and there is no payment method. */
  missingPaymentMethod?: Stripe.Subscription.TrialSettings.EndBehavior.MissingPaymentMethod;
  collectionMethod?: Stripe.Subscription.CollectionMethod;
  daysUntilDue?: number;
}

/** Creating subscriptions: trials, discounts, collection terms, and the first invoice. */
export class SubscriptionCreation {
  constructor(
    private readonly core: EmulatorCore,
    private readonly customers: CustomerService,
    private readonly paymentMethods: PaymentMethodService,
    private readonly invoices: InvoiceService,
    private readonly discounts: DiscountService,
    private readonly items: SubscriptionItems,
    private readonly billing: SubscriptionBilling,
    private readonly lifecycle: SubscriptionLifecycle,
    private readonly status: SubscriptionStatus,
    private readonly taxRates: TaxRateService,
  ) {}

  create(input: SubscriptionCreateInput): Stripe.Subscription {
    const customer = this.customers.get(input.customer, 'customer');
    if (input.items.length === 0) throw parameterMissing('items');
    const collection = collectionTerms(
      input.collectionMethod ?? 'charge_automatically',
      input.daysUntilDue,
    );
    const now = this.core.nowFor(customer.id);
    const prices = this.items.resolvePrices(input.items);
    const taxRates = this.taxRates.resolve(input.defaultTaxRates ?? [], 'default_tax_rates');
    if (input.automaticTax === true) checkAutomaticTax(customer, taxRates.length > 0);
    const defaultPaymentMethod = input.defaultPaymentMethod ?? null;
    if (defaultPaymentMethod !== null)
      this.paymentMethods.checkOwnedBy(defaultPaymentMethod, customer.id, 'default_payment_method');
    let trialEnd: number | null = null;
    if (input.trialEnd !== undefined && input.trialEnd !== 'now') trialEnd = input.trialEnd;
    else if (input.trialPeriodDays !== undefined && input.trialPeriodDays > 0)
      trialEnd = now + input.trialPeriodDays * SECONDS_PER_DAY;
    if (trialEnd !== null && trialEnd <= now)
      throw parameterInvalid(
        'trial_end',
        'Invalid timestamp: must be an integer Unix timestamp in the future.',
      );
    if (input.paymentBehavior === 'default_incomplete' && trialEnd !== null)
      throw parameterInvalid(
        'payment_behavior',
        'payment_behavior=default_incomplete with a trial is not implemented by the Stripe emulator (Stripe collects the card with a SetupIntent, which the emulator does not have).',
      );
    const id = newId('sub');
    const first = prices[0].price.recurring as Stripe.Price.Recurring;
    const natural = addBillingPeriods(now, first.interval, first.interval_count, 1);
    const anchor = this.anchor(input, now, natural, trialEnd);
    const periodEnd = trialEnd ?? anchor ?? natural;
    const subscription = buildSubscription({
      id,
      customer,
      now,
      currency: prices[0].price.currency,
      items: prices.map((entry) =>
        this.items.build(id, entry.price, entry.quantity, now, periodEnd, entry.metadata),
      ),
      periodEnd,
      trialEnd,
      defaultPaymentMethod,
      description: input.description ?? null,
      metadata: input.metadata ?? {},
      missingPaymentMethod: input.missingPaymentMethod ?? 'create_invoice',
      ...collection,
      defaultTaxRates: taxRates,
      automaticTax: input.automaticTax,
    });
    if (input.discount) {
      subscription.discounts = [
        this.discounts.createForSubscription(
          subscription,
          input.discount,
          now,
          input.checkoutSession ?? null,
        ).id,
      ];
    }
    if (anchor !== null) {
      subscription.billing_cycle_anchor = anchor;
      if (input.billingCycleAnchorConfig !== undefined) {
        const config = input.billingCycleAnchorConfig;
        subscription.billing_cycle_anchor_config = {
          day_of_month: config.dayOfMonth,
          hour: config.hour ?? null,
          minute: config.minute ?? null,
          month: config.month ?? null,
          second: config.second ?? null,
        };
      }
    }
    if (input.saveDefaultPaymentMethod !== undefined && subscription.payment_settings !== null)
      subscription.payment_settings.save_default_payment_method = input.saveDefaultPaymentMethod;
    if (input.cancelAtPeriodEnd === true) {
      subscription.cancel_at_period_end = true;
      subscription.cancel_at = periodEnd;
      subscription.canceled_at = now;
    }
    this.core.state.subscriptions.put(subscription);
    this.status.schedule(id);
    const invoice = this.billing.createInvoice(
      subscription,
      'subscription_create',
      now,
      periodEnd,
      anchor === null
        ? this.billing.itemLines(subscription, now, periodEnd, trialEnd !== null)
        : this.stubLines(subscription, now, anchor, input.prorationBehavior ?? 'create_prorations'),
      () => this.core.events.emit('customer.subscription.created', subscription, now),
    );
    if (
      input.paymentBehavior === 'default_incomplete' &&
      invoice.collection_method === 'charge_automatically' &&
      invoice.amount_due > 0
    )
      this.invoices.collection.prepare(
        invoice,
        subscription.payment_settings?.save_default_payment_method === 'on_subscription',
      );
    else this.billing.collect(invoice);
    this.lifecycle.noticeTrialEnd(subscription, now);
    if (
      invoice.status === 'open' &&
      invoice.collection_method === 'charge_automatically' &&
      input.paymentBehavior === 'error_if_incomplete'
    ) {
      const declineCode =
        this.paymentMethods.chargeDecline(defaultPaymentMethod, now) ?? 'generic_decline';
      throw cardError(declineCode);
    }
    return subscription;
  }

  /** The anchor asked for, checked as Stripe checks it, or null for the natural cycle. */
  private anchor(
    input: SubscriptionCreateInput,
    now: number,
    natural: number,
    trialEnd: number | null,
  ): number | null {
    if (input.billingCycleAnchor !== undefined && input.billingCycleAnchorConfig !== undefined)
      throw invalidRequest(
        'You may only specify one of these parameters: billing_cycle_anchor, billing_cycle_anchor_config.',
        'parameter_invalid',
      );
    const anchor =
      input.billingCycleAnchor ??
      (input.billingCycleAnchorConfig === undefined
        ? undefined
        : anchorFromConfig(input.billingCycleAnchorConfig, now));
    if (anchor === undefined || anchor === now) return null;
    const param =
      input.billingCycleAnchor === undefined
        ? 'billing_cycle_anchor_config'
        : 'billing_cycle_anchor';
    if (trialEnd !== null)
      throw parameterInvalid(
        param,
        'A billing cycle anchor together with a trial is not implemented by the Stripe emulator.',
      );
    if (anchor < now) throw parameterInvalid(param, 'billing_cycle_anchor cannot be in the past.');
    if (anchor > natural)
      throw parameterInvalid(
        param,
        `billing_cycle_anchor cannot be later than next natural billing date (${natural}) for plan`,
      );
    return anchor;
  }

  /**
   * The first invoice of an anchored subscription bills the stub period until the anchor: the
   * share of a full period that it is (create_prorations), or nothing (none).
   */
  private stubLines(
    subscription: Stripe.Subscription,
    now: number,
    anchor: number,
    behavior: 'create_prorations' | 'none',
  ): InvoiceLineSpec[] {
    const date = new Date(now * 1000).toISOString().slice(0, 10);
    return subscription.items.data.map((item) => {
      const recurring = item.price.recurring as Stripe.Price.Recurring;
      const fullStart = addBillingPeriods(anchor, recurring.interval, recurring.interval_count, -1);
      const quantity = item.quantity ?? 1;
      const fraction = (anchor - now) / Math.max(1, anchor - fullStart);
      return {
        amount:
          behavior === 'none' ? 0 : Math.round((item.price.unit_amount ?? 0) * quantity * fraction),
        description: `Remaining time on ${quantity} × ${this.items.productName(item.price)} after ${date}`,
        price: item.price,
        quantity,
        periodStart: now,
        periodEnd: anchor,
        subscriptionItem: item.id,
        invoiceItem: null,
        proration: true,
        discountable: true,
      };
    });
  }
}
