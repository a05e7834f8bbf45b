import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import { invalidRequest, resourceMissing } from '../http/stripe-error';
import { newId } from '../store/ids';
import type { CustomerService } from './customers';
import type { DiscountService } from './discounts';
import type { EmulatorCore } from './emulator-core';
import { buildInvoice, customerSnapshot, type InvoiceDraft } from './invoice-builder';
import type { PaymentIntentService } from './payment-intents';

export type { InvoiceDraft, InvoiceLineSpec } from './invoice-builder';

export type PaymentAttemptResult = 'paid' | 'failed';

/** Invoices: drafting, finalising, paying (through a payment intent), voiding. */
export class InvoiceService {
  /**
   * Set by the subscription service, which owns dunning and status changes. `onPaymentFailing`
   * runs before `invoice.payment_failed` is emitted (so the event shows `next_payment_attempt`),
   * `onPaymentResult` after the invoice's own events (so status changes follow them, as in Stripe).
   */
  onPaymentFailing: (invoice: Stripe.Invoice) => void = () => undefined;
  onPaymentResult: (invoice: Stripe.Invoice, result: PaymentAttemptResult) => void = () =>
    undefined;

  constructor(
    private readonly core: EmulatorCore,
    private readonly customers: CustomerService,
    private readonly paymentIntents: PaymentIntentService,
    private readonly discounts: DiscountService,
  ) {}

  get(id: string, param = 'id'): Stripe.Invoice {
    const invoice = this.core.state.invoices.get(id);
    if (invoice === undefined) throw resourceMissing('invoice', id, param);
    // A draft shows the customer's details as they are now; finalizing freezes them.
    const customer = this.core.state.customers.get(this.customerOf(invoice));
    if (invoice.status === 'draft' && customer !== undefined)
      Object.assign(invoice, customerSnapshot(customer));
    return invoice;
  }

  subscriptionOf(invoice: Stripe.Invoice): string | null {
    const subscription = invoice.parent?.subscription_details?.subscription;
    if (subscription == null) return null;
    return typeof subscription === 'string' ? subscription : subscription.id;
  }

  customerOf(invoice: Stripe.Invoice): string {
    return typeof invoice.customer === 'string' ? invoice.customer : (invoice.customer?.id ?? '');
  }

  /**
   * Creates a draft and emits `invoice.created`, unless `announce` is false: subscriptions create
   * the invoice first so that their own event already names it in `latest_invoice`, as Stripe's do.
   */
  createDraft(draft: InvoiceDraft, announce = true): Stripe.Invoice {
    const customer = this.customers.get(draft.customer, 'customer');
    const now = this.core.nowFor(customer.id);
    const discountable = draft.lines
      .filter((line) => !line.proration)
      .reduce((sum, line) => sum + line.amount, 0);
    const subtotal = draft.lines.reduce((sum, line) => sum + line.amount, 0);
    const discountAmount = this.discounts.amountOff(draft.coupon, discountable);
    const invoice = buildInvoice(
      draft,
      customer,
      { subtotal, discountAmount, total: subtotal - discountAmount },
      now,
    );
    this.core.state.invoices.put(invoice);
    for (const line of draft.lines) {
      if (line.invoiceItem === null) continue;
      const item = this.core.state.invoiceItems.get(line.invoiceItem);
      if (item !== undefined) item.invoice = invoice.id;
    }
    if (announce) this.announceCreated(invoice);
    return invoice;
  }

  announceCreated(invoice: Stripe.Invoice): void {
    this.core.events.emit('invoice.created', invoice, invoice.created);
  }

  /** Draft → open: number, hosted page and PDF links; `invoice.finalized`. */
  finalize(invoice: Stripe.Invoice): Stripe.Invoice {
    if (invoice.status !== 'draft')
      throw invalidRequest(
        "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
        'invoice_not_editable',
      );
    const customer = this.customers.get(this.customerOf(invoice));
    const now = this.core.nowFor(customer.id);
    const before = structuredClone(invoice);
    invoice.number = `${customer.invoice_prefix}-${String(customer.next_invoice_sequence ?? 1).padStart(4, '0')}`;
    customer.next_invoice_sequence = (customer.next_invoice_sequence ?? 1) + 1;
    Object.assign(invoice, customerSnapshot(customer));
    invoice.status = 'open';
    invoice.effective_at = now;
    invoice.status_transitions = { ...invoice.status_transitions, finalized_at: now };
    invoice.hosted_invoice_url = `${this.core.baseUrl}/invoices/${invoice.id}`;
    invoice.invoice_pdf = `${this.core.baseUrl}/invoices/${invoice.id}/pdf`;
    this.core.events.emit('invoice.finalized', invoice, now, changedAttributes(before, invoice));
    return invoice;
  }

  /**
   * One payment attempt. Zero-amount invoices are paid without a payment intent (trials);
   * otherwise the payment method is charged and an `invoice_payment` records the link.
   */
  attemptPayment(
    invoice: Stripe.Invoice,
    paymentMethodOverride?: string | null,
  ): PaymentAttemptResult {
    if (invoice.status === 'paid')
      throw invalidRequest('Invoice is already paid', 'invoice_already_paid');
    if (invoice.status !== 'open')
      throw invalidRequest(
        `You can only pay an invoice that is open. This invoice is ${invoice.status}.`,
        'invoice_not_open',
      );
    const customerId = this.customerOf(invoice);
    const now = this.core.nowFor(customerId);
    if (invoice.amount_due === 0) {
      this.markPaid(invoice, now);
      return 'paid';
    }
    const customer = this.customers.get(customerId);
    const paymentMethod =
      paymentMethodOverride ??
      this.subscriptionPaymentMethod(invoice) ??
      this.paymentMethodId(customer.invoice_settings.default_payment_method);
    const before = structuredClone(invoice);
    invoice.attempted = true;
    invoice.attempt_count += 1;
    const request = {
      customer: customerId,
      paymentMethod: paymentMethod ?? null,
      amount: invoice.amount_due,
      currency: invoice.currency,
      description: this.paymentDescription(invoice),
      metadata: {},
    };
    const outcome = paymentMethod
      ? this.paymentIntents.chargeNow(request)
      : { paymentIntent: this.paymentIntents.create(request), declineCode: 'no_payment_method' };
    const invoicePayment = this.recordInvoicePayment(invoice, outcome.paymentIntent, now);
    if (outcome.declineCode === null) {
      invoicePayment.status = 'paid';
      invoicePayment.amount_paid = invoice.amount_due;
      invoicePayment.status_transitions = { canceled_at: null, paid_at: now };
      this.core.events.emit('invoice_payment.paid', invoicePayment, now);
      this.markPaid(invoice, now, before);
      return 'paid';
    }
    this.onPaymentFailing(invoice);
    this.core.events.emit(
      'invoice.payment_failed',
      invoice,
      now,
      changedAttributes(before, invoice),
    );
    this.onPaymentResult(invoice, 'failed');
    return 'failed';
  }

  /** Retries use the subscription's payment method as it is now, so a replaced card is picked up. */
  private subscriptionPaymentMethod(invoice: Stripe.Invoice): string | null {
    const subscriptionId = this.subscriptionOf(invoice);
    const subscription =
      subscriptionId === null ? undefined : this.core.state.subscriptions.get(subscriptionId);
    return this.paymentMethodId(subscription?.default_payment_method ?? null);
  }

  private paymentMethodId(value: string | Stripe.PaymentMethod | null): string | null {
    if (value === null) return null;
    return typeof value === 'string' ? value : value.id;
  }

  private paymentDescription(invoice: Stripe.Invoice): string {
    switch (invoice.billing_reason) {
      case 'subscription_create':
        return 'Subscription creation';
      case 'subscription_cycle':
        return 'Subscription update';
      case 'subscription_update':
        return 'Subscription update';
      default:
        return `Invoice ${invoice.number ?? invoice.id}`;
    }
  }

  private recordInvoicePayment(
    invoice: Stripe.Invoice,
    intent: Stripe.PaymentIntent,
    now: number,
  ): Stripe.InvoicePayment {
    const existing = this.core.state.paymentsByInvoice.get(invoice.id) ?? [];
    for (const id of existing) {
      const earlier = this.core.state.invoicePayments.get(id);
      if (earlier !== undefined && earlier.status === 'open') earlier.status = 'canceled';
      if (earlier !== undefined) earlier.is_default = false;
    }
    const payment: Stripe.InvoicePayment = {
      id: newId('inpay'),
      object: 'invoice_payment',
      amount_paid: null,
      amount_requested: invoice.amount_due,
      created: now,
      currency: invoice.currency,
      invoice: invoice.id,
      is_default: true,
      livemode: false,
      payment: { type: 'payment_intent', payment_intent: intent.id },
      status: 'open',
      status_transitions: { canceled_at: null, paid_at: null },
    };
    this.core.state.invoicePayments.put(payment);
    this.core.state.paymentsByInvoice.set(invoice.id, [...existing, payment.id]);
    return payment;
  }

  private markPaid(
    invoice: Stripe.Invoice,
    now: number,
    before: Stripe.Invoice = structuredClone(invoice),
  ): void {
    invoice.status = 'paid';
    invoice.amount_paid = invoice.amount_due;
    invoice.amount_remaining = 0;
    invoice.attempted = true;
    invoice.next_payment_attempt = null;
    invoice.status_transitions = { ...invoice.status_transitions, paid_at: now };
    const previous = changedAttributes(before, invoice);
    this.core.events.emit('invoice.paid', invoice, now, previous);
    this.core.events.emit('invoice.payment_succeeded', invoice, now, previous);
    this.onPaymentResult(invoice, 'paid');
  }

  paymentsOf(invoiceId: string): Stripe.InvoicePayment[] {
    const ids = this.core.state.paymentsByInvoice.get(invoiceId) ?? [];
    const payments: Stripe.InvoicePayment[] = [];
    for (let i = ids.length - 1; i >= 0; i -= 1) {
      const payment = this.core.state.invoicePayments.get(ids[i]);
      if (payment !== undefined) payments.push(payment);
    }
    return payments;
  }

  /** The latest payment intent of an invoice, for pages and `latest_invoice.payments`. */
  latestPaymentIntentOf(invoiceId: string): string | null {
    const payment = this.paymentsOf(invoiceId)[0];
    const intent = payment?.payment.payment_intent;
    if (intent === undefined) return null;
    return typeof intent === 'string' ? intent : intent.id;
  }

  void(id: string): Stripe.Invoice {
    const invoice = this.get(id);
    if (invoice.status !== 'open')
      throw invalidRequest(
        `You can only void an open invoice. This invoice is ${invoice.status}.`,
        'invoice_not_editable',
      );
    const now = this.core.nowFor(this.customerOf(invoice));
    const before = structuredClone(invoice);
    invoice.status = 'void';
    invoice.amount_remaining = 0;
    invoice.next_payment_attempt = null;
    invoice.status_transitions = { ...invoice.status_transitions, voided_at: now };
    this.core.events.emit('invoice.voided', invoice, now, changedAttributes(before, invoice));
    this.onPaymentResult(invoice, 'failed');
    return invoice;
  }

  markUncollectible(id: string): Stripe.Invoice {
    const invoice = this.get(id);
    if (invoice.status !== 'open')
      throw invalidRequest(
        `You can only mark an open invoice as uncollectible. This invoice is ${invoice.status}.`,
      );
    const now = this.core.nowFor(this.customerOf(invoice));
    const before = structuredClone(invoice);
    invoice.status = 'uncollectible';
    invoice.next_payment_attempt = null;
    invoice.status_transitions = { ...invoice.status_transitions, marked_uncollectible_at: now };
    this.core.events.emit(
      'invoice.marked_uncollectible',
      invoice,
      now,
      changedAttributes(before, invoice),
    );
    return invoice;
  }

  /** Invoice with its includable `payments` list filled (for `expand[]=payments`). */
  withPayments(invoice: Stripe.Invoice): Stripe.Invoice {
    const payments = this.paymentsOf(invoice.id);
    return {
      ...invoice,
      payments: {
        object: 'list',
        data: payments,
        has_more: false,
        url: `/v1/invoice_payments?invoice=${invoice.id}`,
      },
    };
  }
}
