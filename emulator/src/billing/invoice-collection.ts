import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import { invalidRequest } from '../http/stripe-error';
import { newId } from '../store/ids';
import type { CustomerService } from './customers';
import type { EmulatorCore } from './emulator-core';
import { invoiceCustomerOf, invoiceSubscriptionOf } from './invoice-builder';
import type { ChargeOutcome, PaymentIntentService } from './payment-intents';

export type PaymentAttemptResult = 'paid' | 'failed';

/** Collecting invoices: payment attempts through payment intents, and payments made elsewhere. */
export class InvoiceCollection {
  /**
   * Set by the subscription lifecycle, which owns dunning and status changes. `onPaymentFailing`
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
  ) {
    paymentIntents.onConfirmed = (outcome) => this.settleConfirmed(outcome);
  }

  /**
   * Prepares the invoice's payment without attempting it (`default_incomplete`): a payment
   * intent the client confirms, with the saved card when there is one. Confirming it pays the
   * invoice.
   */
  prepare(invoice: Stripe.Invoice, saveCard: boolean): Stripe.PaymentIntent {
    const customerId = invoiceCustomerOf(invoice);
    const customer = this.customers.get(customerId);
    const paymentMethod =
      this.subscriptionPaymentMethod(invoice) ??
      this.paymentMethodId(customer.invoice_settings.default_payment_method);
    const intent = this.paymentIntents.create({
      customer: customerId,
      paymentMethod,
      amount: invoice.amount_due,
      currency: invoice.currency,
      description: this.paymentDescription(invoice),
      metadata: {},
    });
    if (saveCard) intent.setup_future_usage = 'off_session';
    this.recordInvoicePayment(invoice, intent, this.core.nowFor(customerId));
    return intent;
  }

  /** A payment intent an invoice prepared was confirmed: the invoice is paid, or its payment failed. */
  private settleConfirmed(outcome: ChargeOutcome): void {
    const intent = outcome.paymentIntent;
    let payment: Stripe.InvoicePayment | undefined;
    for (const candidate of this.core.state.invoicePayments.values()) {
      if (candidate.payment.payment_intent === intent.id && candidate.status === 'open')
        payment = candidate;
    }
    const invoice =
      payment === undefined ? undefined : this.core.state.invoices.get(payment.invoice as string);
    if (payment === undefined || invoice === undefined || invoice.status !== 'open') return;
    const now = this.core.nowFor(invoiceCustomerOf(invoice));
    const before = structuredClone(invoice);
    invoice.attempted = true;
    invoice.attempt_count += 1;
    if (outcome.declineCode === null) {
      this.settlePayment(payment, invoice, now);
      this.markPaid(invoice, now, before);
      return;
    }
    this.core.events.emit(
      'invoice.payment_failed',
      invoice,
      now,
      changedAttributes(before, invoice),
    );
    this.onPaymentResult(invoice, 'failed');
  }

  private settlePayment(
    payment: Stripe.InvoicePayment,
    invoice: Stripe.Invoice,
    now: number,
  ): void {
    payment.status = 'paid';
    payment.amount_paid = invoice.amount_due;
    payment.status_transitions = { canceled_at: null, paid_at: now };
    this.core.events.emit('invoice_payment.paid', payment, now);
  }

  /**
   * One payment attempt. Zero-amount invoices are paid without a payment intent (trials);
   * otherwise the payment method is charged and an `invoice_payment` records the link.
   */
  attemptPayment(
    invoice: Stripe.Invoice,
    paymentMethodOverride?: string | null,
  ): PaymentAttemptResult {
    this.checkPayable(invoice);
    const customerId = invoiceCustomerOf(invoice);
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
      this.settlePayment(invoicePayment, invoice, now);
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

  /**
   * An invoice paid by a payment already taken (Checkout's `invoice_creation`): the payment
   * intent is recorded as its payment and the invoice is paid, without charging again.
   */
  paidBy(invoice: Stripe.Invoice, intent: Stripe.PaymentIntent): void {
    this.checkPayable(invoice);
    const now = this.core.nowFor(invoiceCustomerOf(invoice));
    const before = structuredClone(invoice);
    invoice.attempted = true;
    invoice.attempt_count += 1;
    const payment = this.recordInvoicePayment(invoice, intent, now);
    this.settlePayment(payment, invoice, now);
    this.markPaid(invoice, now, before);
  }

  /** Retries use the subscription's payment method as it is now, so a replaced card is picked up. */
  private subscriptionPaymentMethod(invoice: Stripe.Invoice): string | null {
    const subscriptionId = invoiceSubscriptionOf(invoice);
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
    invoice.auto_advance = false;
    invoice.status_transitions = { ...invoice.status_transitions, paid_at: now };
    this.core.state.invoiceTimers.delete(invoice.id);
    const previous = changedAttributes(before, invoice);
    this.core.events.emit('invoice.paid', invoice, now, previous);
    this.core.events.emit('invoice.payment_succeeded', invoice, now, previous);
    this.onPaymentResult(invoice, 'paid');
  }

  /**
   * `paid_out_of_band`: the customer paid some other way. The invoice is paid without a charge:
   * `invoice.paid` (no `invoice.payment_succeeded`, since no payment attempt succeeded).
   */
  payOutOfBand(invoice: Stripe.Invoice): Stripe.Invoice {
    this.checkPayable(invoice);
    const now = this.core.nowFor(invoiceCustomerOf(invoice));
    const before = structuredClone(invoice);
    invoice.status = 'paid';
    invoice.amount_paid = invoice.amount_due;
    invoice.amount_remaining = 0;
    invoice.auto_advance = false;
    invoice.next_payment_attempt = null;
    invoice.status_transitions = { ...invoice.status_transitions, paid_at: now };
    this.core.state.invoiceTimers.delete(invoice.id);
    this.core.events.emit('invoice.paid', invoice, now, changedAttributes(before, invoice));
    this.onPaymentResult(invoice, 'paid');
    return invoice;
  }

  private checkPayable(invoice: Stripe.Invoice): void {
    if (invoice.status === 'paid')
      throw invalidRequest('Invoice is already paid', 'invoice_already_paid');
    // An uncollectible invoice can still be paid, as in Stripe.
    if (invoice.status !== 'open' && invoice.status !== 'uncollectible')
      throw invalidRequest(
        `You can only pay an invoice that is open or uncollectible. This invoice is ${invoice.status}.`,
        'invoice_not_open',
      );
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
