import type Stripe from 'stripe';
import { newId } from '../store/ids';
import type { EmulatorCore } from './emulator-core';
import type { InvoiceLineSpec } from './invoice-builder';
import type { CheckoutSessionExtras } from './internal-records';
import type { InvoiceService } from './invoices';
import { wireDecimal } from './wire-decimal';

/**
 * Checkout's `invoice_creation` in `payment` mode: once the payment succeeded, Stripe issues a
 * paid invoice for it (a receipt with a number, a hosted page and a PDF). Each line item becomes
 * an invoice item on the invoice; the session's discount becomes the invoice's discount; the
 * invoice is finalized and paid by the session's payment intent, not charged again.
 */
export class CheckoutInvoices {
  constructor(
    private readonly core: EmulatorCore,
    private readonly invoices: InvoiceService,
  ) {}

  issue(
    session: Stripe.Checkout.Session,
    extras: CheckoutSessionExtras,
    customerId: string,
    intent: Stripe.PaymentIntent,
  ): Stripe.Invoice {
    const now = this.core.nowFor(customerId);
    const data = session.invoice_creation?.invoice_data;
    const lines = extras.lineItems.map((item) => this.invoiceItemLine(item, customerId, now));
    const coupon =
      extras.couponId === null ? null : (this.core.state.coupons.get(extras.couponId) ?? null);
    const discount: Stripe.Discount | null =
      coupon === null
        ? null
        : {
            id: newId('di'),
            object: 'discount',
            checkout_session: session.id,
            customer: customerId,
            customer_account: null,
            end: null,
            invoice: null,
            invoice_item: null,
            promotion_code: extras.promotionCodeId,
            source: { coupon: coupon.id, type: 'coupon' },
            start: now,
            subscription: null,
            subscription_item: null,
          };
    const invoice = this.invoices.createDraft({
      customer: customerId,
      subscription: null,
      billingReason: 'manual',
      lines,
      periodStart: now,
      periodEnd: now,
      currency: session.currency ?? 'usd',
      discount,
      coupon,
      description: data?.description ?? null,
      footer: data?.footer ?? null,
      metadata: { ...(data?.metadata ?? {}) },
      automaticTax: session.automatic_tax.enabled,
      autoAdvance: false,
    });
    if (discount !== null) {
      discount.invoice = invoice.id;
      this.core.state.discounts.put(discount);
    }
    this.invoices.finalize(invoice);
    this.invoices.collection.paidBy(invoice, intent);
    return invoice;
  }

  private invoiceItemLine(item: Stripe.LineItem, customerId: string, now: number): InvoiceLineSpec {
    const price = item.price;
    if (price === null) throw new Error(`line item ${item.id} has no price`);
    const productId = typeof price.product === 'string' ? price.product : price.product.id;
    const quantity = item.quantity ?? 1;
    const invoiceItem: Stripe.InvoiceItem = {
      id: newId('ii'),
      object: 'invoiceitem',
      amount: item.amount_subtotal,
      currency: item.currency,
      customer: customerId,
      customer_account: null,
      date: now,
      description: item.description ?? null,
      discountable: true,
      discounts: [],
      invoice: null,
      livemode: false,
      metadata: {},
      net_amount: item.amount_subtotal,
      parent: null,
      period: { start: now, end: now },
      pricing: {
        type: 'price_details',
        price_details: { price: price.id, product: productId },
        unit_amount_decimal: price.unit_amount_decimal,
      },
      proration: false,
      quantity,
      quantity_decimal: wireDecimal(quantity),
      tax_rates: [],
      test_clock: this.core.state.customers.get(customerId)?.test_clock ?? null,
    };
    this.core.state.invoiceItems.put(invoiceItem);
    this.core.events.emit('invoiceitem.created', invoiceItem, now);
    return {
      amount: item.amount_subtotal,
      description: item.description ?? '',
      price,
      quantity,
      periodStart: now,
      periodEnd: now,
      subscriptionItem: null,
      invoiceItem: invoiceItem.id,
      proration: false,
      discountable: true,
    };
  }
}
