import type Stripe from 'stripe';
import { newId } from '../store/ids';
import type { DiscountService } from './discounts';
import type { EmulatorCore } from './emulator-core';
import type { InvoiceLineSpec } from './invoice-builder';
import type { InvoiceService } from './invoices';
import type { SubscriptionItems } from './subscription-items';
import { customerOf, type SubscriptionStatus } from './subscription-status';
import { wireDecimal } from './wire-decimal';

/** How the invoices of subscriptions are made: lines for periods, pending prorations, discounts. */
export class SubscriptionBilling {
  constructor(
    private readonly core: EmulatorCore,
    private readonly invoices: InvoiceService,
    private readonly discounts: DiscountService,
    private readonly items: SubscriptionItems,
    private readonly status: SubscriptionStatus,
  ) {}

  /** Lines for the subscription's items over a period; during a trial they are free. */
  itemLines(
    subscription: Stripe.Subscription,
    start: number,
    end: number,
    trial: boolean,
  ): InvoiceLineSpec[] {
    return subscription.items.data.map((item) => {
      const quantity = item.quantity ?? 1;
      const name = this.items.productName(item.price);
      return {
        amount: trial ? 0 : (item.price.unit_amount ?? 0) * quantity,
        description: trial
          ? `Trial period for ${name}`
          : `${quantity} × ${name} (at $${((item.price.unit_amount ?? 0) / 100).toFixed(2)} / ${item.price.recurring?.interval ?? 'month'})`,
        price: item.price,
        quantity,
        periodStart: start,
        periodEnd: end,
        subscriptionItem: item.id,
        invoiceItem: null,
        proration: false,
      };
    });
  }

  /** Pending proration items of the subscription, swept into its next invoice. */
  pendingItemLines(subscription: Stripe.Subscription): InvoiceLineSpec[] {
    const lines: InvoiceLineSpec[] = [];
    for (const item of this.core.state.invoiceItems.values()) {
      if (item.invoice !== null) continue;
      const owner = item.parent?.subscription_details?.subscription;
      if (owner !== subscription.id) continue;
      const priceId = item.pricing?.price_details?.price;
      const price = typeof priceId === 'string' ? this.core.state.prices.get(priceId) : undefined;
      if (price === undefined) continue;
      lines.push({
        amount: item.amount,
        description: item.description ?? '',
        price,
        quantity: item.quantity,
        periodStart: item.period.start,
        periodEnd: item.period.end,
        subscriptionItem: null,
        invoiceItem: item.id,
        proration: item.proration,
      });
    }
    return lines;
  }

  /** Stores a proration as an invoice item (`invoiceitem.created`) for the next invoice. */
  toPendingInvoiceItem(subscription: Stripe.Subscription, line: InvoiceLineSpec): InvoiceLineSpec {
    const now = this.status.now(subscription);
    const productId =
      typeof line.price.product === 'string' ? line.price.product : line.price.product.id;
    const item: Stripe.InvoiceItem = {
      id: newId('ii'),
      object: 'invoiceitem',
      amount: line.amount,
      currency: line.price.currency,
      customer: customerOf(subscription),
      customer_account: null,
      date: now,
      description: line.description,
      discountable: false,
      discounts: [],
      invoice: null,
      livemode: false,
      metadata: {},
      net_amount: line.amount,
      parent: {
        type: 'subscription_details',
        subscription_details: {
          subscription: subscription.id,
          subscription_item: line.subscriptionItem ?? undefined,
        },
      },
      period: { start: line.periodStart, end: line.periodEnd },
      pricing: {
        type: 'price_details',
        price_details: { price: line.price.id, product: productId },
        unit_amount_decimal: line.price.unit_amount_decimal,
      },
      proration: true,
      quantity: line.quantity,
      quantity_decimal: wireDecimal(line.quantity),
      tax_rates: [],
      test_clock: subscription.test_clock,
    };
    this.core.state.invoiceItems.put(item);
    this.core.events.emit('invoiceitem.created', item, now);
    return { ...line, invoiceItem: item.id, subscriptionItem: null };
  }

  /**
   * Drafts and announces an invoice for the subscription, then finalizes it at once or, with
   * `finalize: 'scheduled'` (renewals), leaves it a draft that Stripe finalizes about an hour
   * later. `announceSubscription` runs between drafting and `invoice.created`, so the
   * subscription's own event already names the invoice in `latest_invoice`, as Stripe's does.
   */
  createInvoice(
    subscription: Stripe.Subscription,
    reason: Stripe.Invoice.BillingReason,
    start: number,
    end: number,
    lines: InvoiceLineSpec[],
    announceSubscription: () => void = () => undefined,
    finalize: 'now' | 'scheduled' = 'now',
  ): Stripe.Invoice {
    const now = this.status.now(subscription);
    const applied = this.discounts.activeOn(subscription, now);
    const charged = lines.some((line) => line.amount > 0 && !line.proration);
    const invoice = this.invoices.createDraft(
      {
        customer: customerOf(subscription),
        subscription,
        billingReason: reason,
        lines,
        periodStart: start,
        periodEnd: end,
        currency: subscription.currency,
        discount: applied?.discount ?? null,
        coupon: applied?.coupon ?? null,
        collectionMethod: subscription.collection_method,
        taxRates: this.taxRatesOf(subscription),
        automaticTax: subscription.automatic_tax.enabled,
        // An unpaid subscription's invoices stay drafts until someone acts on them, as do those
        // of a subscription whose collection is paused with keep_as_draft.
        autoAdvance:
          subscription.status !== 'unpaid' &&
          subscription.pause_collection?.behavior !== 'keep_as_draft',
      },
      false,
    );
    subscription.latest_invoice = invoice.id;
    if (finalize === 'scheduled') this.invoices.scheduleFinalization(invoice);
    announceSubscription();
    this.invoices.announceCreated(invoice);
    if (charged) this.discounts.consumeOnce(subscription, applied, now);
    if (finalize === 'now') this.invoices.finalize(invoice);
    return invoice;
  }

  /** The subscription's default tax rates, as they are now. */
  taxRatesOf(subscription: Stripe.Subscription): Stripe.TaxRate[] {
    return (subscription.default_tax_rates ?? []).flatMap((rate) => {
      const current = this.core.state.taxRates.get(rate.id);
      return current === undefined ? [] : [current];
    });
  }

  /**
   * Collects a just-finalized invoice the way its subscription says: charged at once, or (for
   * `send_invoice`) left open until its due date; nothing due means paid.
   */
  collect(invoice: Stripe.Invoice): void {
    if (invoice.collection_method === 'charge_automatically' || invoice.amount_due === 0)
      this.invoices.attemptPayment(invoice);
  }

  /**
   * Invoices the current period (with pending prorations): a renewal or trial end is a draft
   * finalized later; a resume is finalized and collected at once.
   */
  invoicePeriod(
    subscription: Stripe.Subscription,
    reason: Stripe.Invoice.BillingReason,
    announceSubscription: () => void,
    finalize: 'now' | 'scheduled',
  ): void {
    const start = subscription.items.data[0].current_period_start;
    const end = subscription.items.data[0].current_period_end;
    const lines = [
      ...this.pendingItemLines(subscription),
      ...this.itemLines(subscription, start, end, false),
    ];
    const pause = subscription.pause_collection?.behavior;
    const invoice = this.createInvoice(
      subscription,
      reason,
      start,
      end,
      lines,
      announceSubscription,
      pause === undefined ? finalize : pause === 'keep_as_draft' ? 'scheduled' : 'now',
    );
    // Collection paused: nothing is collected; the invoice is voided or written off at once.
    if (pause === 'void') this.invoices.void(invoice.id);
    else if (pause === 'mark_uncollectible') this.invoices.markUncollectible(invoice.id);
    else if (pause === undefined && finalize === 'now') this.collect(invoice);
  }
}
