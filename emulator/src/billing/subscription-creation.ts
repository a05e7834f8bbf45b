import type Stripe from 'stripe';
import { parameterInvalid, parameterMissing } from '../http/stripe-error';
import { newId } from '../store/ids';
import { SECONDS_PER_DAY, addBillingPeriods } from './billing-periods';
import type { CustomerService } from './customers';
import type { DiscountChoice, DiscountService } from './discounts';
import type { EmulatorCore } from './emulator-core';
import type { InvoiceService } from './invoices';
import { cardError, type PaymentMethodService } from './payment-methods';
import type { SubscriptionBilling } from './subscription-billing';
import { buildSubscription, collectionTerms } from './subscription-builder';
import type { SubscriptionItemInput, SubscriptionItems } from './subscription-items';
import type { SubscriptionLifecycle } from './subscription-lifecycle';
import type { SubscriptionStatus } from './subscription-status';

export interface SubscriptionCreateInput {
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
    const periodEnd = trialEnd ?? addBillingPeriods(now, first.interval, first.interval_count, 1);
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
      this.billing.itemLines(subscription, now, periodEnd, trialEnd !== null),
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
}
