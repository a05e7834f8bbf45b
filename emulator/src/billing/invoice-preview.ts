import type Stripe from 'stripe';
import { randomToken } from '../store/ids';
import { addBillingPeriods } from './billing-periods';
import type { AutomaticTaxService } from './automatic-tax';
import type { DiscountService } from './discounts';
import type { EmulatorCore } from './emulator-core';
import { buildInvoice, type InvoiceDraft, type InvoiceLineSpec } from './invoice-builder';
import type { SubscriptionBilling } from './subscription-billing';
import { customerOf } from './subscription-status';

/** Invoices that do not exist yet: the next renewal of a subscription, or what a change would bill. */
export class InvoicePreviews {
  constructor(
    private readonly core: EmulatorCore,
    private readonly discounts: DiscountService,
    private readonly billing: SubscriptionBilling,
    private readonly automaticTax: AutomaticTaxService,
  ) {}

  /** An invoice object that is not stored: id `upcoming_in_…`, draft, totals and discount applied. */
  build(draft: InvoiceDraft, at: number): Stripe.Invoice {
    const customer = this.core.state.customers.get(draft.customer) as Stripe.Customer;
    // Stripe Tax previews the tax from the customer's address as it is now.
    const taxed: InvoiceDraft =
      draft.automaticTax === true
        ? { ...draft, automaticRate: this.automaticTax.outcomeFor(customer.address).rate }
        : draft;
    const invoice = buildInvoice(taxed, customer, this.discounts.invoiceTotals(taxed), at);
    const id = `upcoming_in_${randomToken(24)}`;
    invoice.id = id;
    invoice.lines = {
      ...invoice.lines,
      data: invoice.lines.data.map((line) => ({ ...line, invoice: id })),
      url: `/v1/invoices/${id}/lines`,
    };
    invoice.webhooks_delivered_at = null;
    if (draft.collectionMethod !== 'send_invoice' && invoice.amount_due > 0)
      invoice.next_payment_attempt = at;
    return invoice;
  }

  /** The subscription's next period: after the trial, or after the current period. */
  nextPeriod(subscription: Stripe.Subscription): { start: number; end: number } {
    const item = subscription.items.data[0];
    const start =
      subscription.status === 'trialing' && subscription.trial_end !== null
        ? subscription.trial_end
        : item.current_period_end;
    const recurring = item.price.recurring as Stripe.Price.Recurring;
    return {
      start,
      end: addBillingPeriods(start, recurring.interval, recurring.interval_count, 1),
    };
  }

  /** The invoice the subscription's next renewal (or trial end) will create, with what is pending. */
  renewal(subscription: Stripe.Subscription, extraLines: InvoiceLineSpec[] = []): Stripe.Invoice {
    const { start, end } = this.nextPeriod(subscription);
    const applied = this.discounts.activeOn(subscription, start);
    return this.build(
      {
        customer: customerOf(subscription),
        subscription,
        billingReason: 'upcoming',
        lines: [
          ...this.billing.pendingItemLines(subscription),
          ...extraLines,
          ...this.billing.itemLines(subscription, start, end, false),
        ],
        periodStart: start,
        periodEnd: end,
        currency: subscription.currency,
        discount: applied?.discount ?? null,
        coupon: applied?.coupon ?? null,
        collectionMethod: subscription.collection_method,
        taxRates: this.billing.taxRatesOf(subscription),
        automaticTax: subscription.automatic_tax.enabled,
      },
      start,
    );
  }
}
