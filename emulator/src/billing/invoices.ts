import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import { invalidRequest, resourceMissing } from '../http/stripe-error';
import { SECONDS_PER_DAY } from './billing-periods';
import type { AutomaticTaxService } from './automatic-tax';
import type { BillingSettingsStore } from './billing-settings';
import type { CustomerService } from './customers';
import type { DiscountService } from './discounts';
import type { EmulatorCore } from './emulator-core';
import {
  buildInvoice,
  customerSnapshot,
  invoiceCustomerOf,
  invoiceSubscriptionOf,
  type InvoiceDraft,
} from './invoice-builder';
import type { InvoiceCollection, PaymentAttemptResult } from './invoice-collection';

export type { InvoiceDraft, InvoiceLineSpec } from './invoice-builder';
export type { PaymentAttemptResult } from './invoice-collection';

/** Days a `send_invoice` invoice gives the customer when nothing else says. */
const DEFAULT_DAYS_UNTIL_DUE = 30;

/**
 * Invoices: drafting, finalising (at once, or an hour later with `auto_advance`), due dates,
 * voiding and marking uncollectible. Collecting payment is `InvoiceCollection`'s.
 */
export class InvoiceService {
  /** Set by the subscription lifecycle: a `send_invoice` invoice passed its due date unpaid. */
  onOverdue: (invoice: Stripe.Invoice) => void = () => undefined;

  constructor(
    private readonly core: EmulatorCore,
    private readonly customers: CustomerService,
    private readonly discounts: DiscountService,
    readonly collection: InvoiceCollection,
    private readonly settings: BillingSettingsStore,
    private readonly automaticTax: AutomaticTaxService,
  ) {}

  /** The customer fields an invoice copies, with its tax ids as `customer_tax_ids`. */
  private snapshotOf(customer: Stripe.Customer): Partial<Stripe.Invoice> {
    return {
      ...customerSnapshot(customer),
      customer_tax_ids: [...this.core.state.taxIds.values()]
        .filter((taxId) => taxId.customer === customer.id)
        .map((taxId) => ({ type: taxId.type, value: taxId.value })),
    };
  }

  get(id: string, param = 'id'): Stripe.Invoice {
    const invoice = this.core.state.invoices.get(id);
    if (invoice === undefined) throw resourceMissing('invoice', id, param);
    // A draft shows the customer's details as they are now; finalizing freezes them.
    const customer = this.core.state.customers.get(this.customerOf(invoice));
    if (invoice.status === 'draft' && customer !== undefined)
      Object.assign(invoice, this.snapshotOf(customer));
    return invoice;
  }

  subscriptionOf(invoice: Stripe.Invoice): string | null {
    return invoiceSubscriptionOf(invoice);
  }

  customerOf(invoice: Stripe.Invoice): string {
    return invoiceCustomerOf(invoice);
  }

  /**
   * Creates a draft and emits `invoice.created`, unless `announce` is false: subscriptions create
   * the invoice first so that their own event already names it in `latest_invoice`, as Stripe's do.
   */
  createDraft(draft: InvoiceDraft, announce = true): Stripe.Invoice {
    const customer = this.customers.get(draft.customer, 'customer');
    const now = this.core.nowFor(customer.id);
    // Stripe Tax decides the rate from the customer's address as it is when the invoice is made.
    const taxed: InvoiceDraft =
      draft.automaticTax === true
        ? { ...draft, automaticRate: this.automaticTax.outcomeFor(customer.address).rate }
        : draft;
    const invoice = buildInvoice(taxed, customer, this.discounts.invoiceTotals(taxed), now);
    Object.assign(invoice, this.snapshotOf(customer));
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

  /** A draft with `auto_advance` is finalized by Stripe after a while (about an hour). */
  scheduleFinalization(invoice: Stripe.Invoice): void {
    if (invoice.status !== 'draft' || !invoice.auto_advance) return;
    const at = invoice.created + this.settings.current().finalizationDelaySeconds;
    invoice.automatically_finalizes_at = at;
    this.core.state.invoiceTimers.set(invoice.id, { kind: 'finalize', at });
  }

  attemptPayment(invoice: Stripe.Invoice, paymentMethod?: string | null): PaymentAttemptResult {
    return this.collection.attemptPayment(invoice, paymentMethod);
  }

  /** Draft → open: number, hosted page and PDF links, due date; `invoice.finalized`. */
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
    Object.assign(invoice, this.snapshotOf(customer));
    invoice.status = 'open';
    invoice.effective_at = now;
    invoice.automatically_finalizes_at = null;
    invoice.status_transitions = { ...invoice.status_transitions, finalized_at: now };
    invoice.hosted_invoice_url = `${this.core.baseUrl}/invoices/${invoice.id}`;
    invoice.invoice_pdf = `${this.core.baseUrl}/invoices/${invoice.id}/pdf`;
    this.core.state.invoiceTimers.delete(invoice.id);
    if (invoice.collection_method === 'send_invoice') {
      const subscriptionId = this.subscriptionOf(invoice);
      const days =
        (subscriptionId === null
          ? null
          : this.core.state.subscriptions.get(subscriptionId)?.days_until_due) ??
        DEFAULT_DAYS_UNTIL_DUE;
      invoice.due_date = now + days * SECONDS_PER_DAY;
      this.core.state.invoiceTimers.set(invoice.id, { kind: 'due', at: invoice.due_date });
    }
    this.core.events.emit('invoice.finalized', invoice, now, changedAttributes(before, invoice));
    return invoice;
  }

  /**
   * What falls due on an invoice at `now`: a scheduled draft is finalized and, when Stripe
   * collects it automatically, charged; an unpaid `send_invoice` invoice becomes overdue.
   */
  processTimer(invoiceId: string, now: number): void {
    const timer = this.core.state.invoiceTimers.get(invoiceId);
    const invoice = this.core.state.invoices.get(invoiceId);
    this.core.state.invoiceTimers.delete(invoiceId);
    if (timer === undefined || invoice === undefined || timer.at > now) return;
    if (timer.kind === 'finalize') {
      if (invoice.status !== 'draft' || !invoice.auto_advance) return;
      this.finalize(invoice);
      if (invoice.collection_method === 'charge_automatically' || invoice.amount_due === 0)
        this.attemptPayment(invoice);
      return;
    }
    if (invoice.status === 'open') this.onOverdue(invoice);
  }

  /** The fields an API update may change, checked against the invoice's status as Stripe does. */
  update(
    id: string,
    input: {
      autoAdvance?: boolean;
      description?: string;
      metadata?: Record<string, string>;
    },
  ): Stripe.Invoice {
    const invoice = this.get(id);
    if (input.autoAdvance !== undefined && invoice.status !== 'draft' && invoice.status !== 'open')
      throw invalidRequest(
        `You can only update auto_advance on a draft or open invoice. This invoice is ${invoice.status}.`,
        'invoice_not_editable',
        'auto_advance',
      );
    if (input.description !== undefined && invoice.status !== 'draft')
      throw invalidRequest(
        'You can only update the description of a draft invoice.',
        'invoice_not_editable',
        'description',
      );
    const now = this.core.nowFor(this.customerOf(invoice));
    const before = structuredClone(invoice);
    if (input.metadata !== undefined) invoice.metadata = input.metadata;
    if (input.description !== undefined) invoice.description = input.description;
    if (input.autoAdvance !== undefined && input.autoAdvance !== invoice.auto_advance) {
      invoice.auto_advance = input.autoAdvance;
      if (invoice.status === 'draft') {
        invoice.automatically_finalizes_at = null;
        this.core.state.invoiceTimers.delete(invoice.id);
        if (input.autoAdvance) {
          // Turned back on: finalized a delay from now, as a fresh draft would be.
          const at = now + this.settings.current().finalizationDelaySeconds;
          invoice.automatically_finalizes_at = at;
          this.core.state.invoiceTimers.set(invoice.id, { kind: 'finalize', at });
        }
      }
    }
    const previous = changedAttributes(before, invoice);
    if (Object.keys(previous).length > 0)
      this.core.events.emit('invoice.updated', invoice, now, previous);
    return invoice;
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
    invoice.auto_advance = false;
    this.core.state.invoiceTimers.delete(invoice.id);
    invoice.amount_remaining = 0;
    invoice.next_payment_attempt = null;
    invoice.status_transitions = { ...invoice.status_transitions, voided_at: now };
    this.core.events.emit('invoice.voided', invoice, now, changedAttributes(before, invoice));
    this.collection.onPaymentResult(invoice, 'failed');
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
    invoice.auto_advance = false;
    this.core.state.invoiceTimers.delete(invoice.id);
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
}
