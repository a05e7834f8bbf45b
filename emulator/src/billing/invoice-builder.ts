import type Stripe from 'stripe';
import { newId } from '../store/ids';
import { isAutomaticRate } from './automatic-tax';
import type { LineTax } from './tax-rates';
import { wireDecimal } from './wire-decimal';

/** One line to bill: a subscription item for a period, or a pending invoice item (proration). */
export interface InvoiceLineSpec {
  amount: number;
  description: string;
  price: Stripe.Price;
  quantity: number;
  periodStart: number;
  periodEnd: number;
  subscriptionItem: string | null;
  invoiceItem: string | null;
  proration: boolean;
  /** Whether a coupon applies to the line; by default every line but prorations of changes. */
  discountable?: boolean;
}

export interface InvoiceDraft {
  customer: string;
  subscription: Stripe.Subscription | null;
  billingReason: Stripe.Invoice.BillingReason;
  lines: InvoiceLineSpec[];
  periodStart: number;
  periodEnd: number;
  currency: string;
  discount: Stripe.Discount | null;
  coupon: Stripe.Coupon | null;
  description?: string | null;
  footer?: string | null;
  metadata?: Record<string, string>;
  /** Tax rates applied to every line (the subscription's default_tax_rates). */
  taxRates?: Stripe.TaxRate[];
  /** Stripe Tax (emulated): the invoice is taxed by the customer's location. */
  automaticTax?: boolean;
  /** Filled in by the invoice service: the rate Stripe Tax chose, or null without a location. */
  automaticRate?: Stripe.TaxRate | null;
  collectionMethod?: Stripe.Invoice.CollectionMethod;
  /** Whether Stripe drives the invoice on by itself (finalizing, collecting); default true. */
  autoAdvance?: boolean;
}

export function invoiceCustomerOf(invoice: Stripe.Invoice): string {
  return typeof invoice.customer === 'string' ? invoice.customer : (invoice.customer?.id ?? '');
}

export function invoiceSubscriptionOf(invoice: Stripe.Invoice): string | null {
  const subscription = invoice.parent?.subscription_details?.subscription;
  if (subscription == null) return null;
  return typeof subscription === 'string' ? subscription : subscription.id;
}

/** The totals of a draft: prorations are not discountable, as in Stripe. */
export interface InvoiceTotals {
  subtotal: number;
  discountAmount: number;
  total: number;
  /** Each line's share of the discount, in line order. */
  lineDiscounts: number[];
  /** Each line's taxes, in line order. */
  lineTaxes: LineTax[][];
  /** Tax added on top of prices (exclusive rates) and tax contained in them (inclusive). */
  exclusiveTax: number;
  inclusiveTax: number;
}

function toTax(tax: LineTax): Stripe.InvoiceLineItem.Tax {
  return {
    amount: tax.amount,
    tax_behavior: tax.rate.inclusive ? 'inclusive' : 'exclusive',
    tax_rate_details: { tax_rate: tax.rate.id },
    taxability_reason:
      isAutomaticRate(tax.rate) && tax.rate.percentage === 0 ? 'not_collecting' : 'standard_rated',
    taxable_amount: tax.taxableAmount,
    type: 'tax_rate_details',
  };
}

/** Each rate's tax over all lines, as `total_taxes` shows it. */
function totalTaxes(lineTaxes: LineTax[][]): Stripe.Invoice.TotalTax[] {
  const byRate = new Map<string, LineTax>();
  for (const tax of lineTaxes.flat()) {
    const sum = byRate.get(tax.rate.id);
    byRate.set(
      tax.rate.id,
      sum === undefined
        ? { ...tax }
        : {
            ...sum,
            amount: sum.amount + tax.amount,
            taxableAmount: sum.taxableAmount + tax.taxableAmount,
          },
    );
  }
  return [...byRate.values()].map((tax) => toTax(tax));
}

/**
 * The customer fields an invoice copies: they follow the customer while the invoice is a draft
 * and are frozen when it is finalized.
 */
export function customerSnapshot(
  customer: Stripe.Customer,
): Pick<
  Stripe.Invoice,
  | 'customer_address'
  | 'customer_email'
  | 'customer_name'
  | 'customer_phone'
  | 'customer_shipping'
  | 'customer_tax_exempt'
> {
  return {
    customer_address: customer.address ?? null,
    customer_email: customer.email,
    customer_name: customer.name ?? null,
    customer_phone: customer.phone ?? null,
    customer_shipping: customer.shipping === null ? null : structuredClone(customer.shipping),
    customer_tax_exempt: customer.tax_exempt ?? 'none',
  };
}

/** A new draft invoice object in this API version's shape (nothing is stored or announced here). */
export function buildInvoice(
  draft: InvoiceDraft,
  customer: Stripe.Customer,
  totals: InvoiceTotals,
  now: number,
): Stripe.Invoice {
  const id = newId('in');
  const lines = draft.lines.map((line, index) => {
    const built = buildInvoiceLine(id, line, draft.subscription?.id ?? null);
    const share = totals.lineDiscounts[index] ?? 0;
    if (share > 0 && draft.discount !== null)
      built.discount_amounts = [{ amount: share, discount: draft.discount.id }];
    built.taxes = (totals.lineTaxes[index] ?? []).map((tax) => toTax(tax));
    return built;
  });
  const { subtotal, discountAmount, total } = totals;
  return {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Stripe Emulator',
    account_tax_ids: null,
    amount_due: Math.max(0, total),
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: Math.max(0, total),
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: draft.autoAdvance ?? true,
    automatic_tax:
      draft.automaticTax === true
        ? {
            disabled_reason: null,
            enabled: true,
            liability: { type: 'self' },
            provider: 'stripe',
            status: draft.automaticRate == null ? 'requires_location_inputs' : 'complete',
          }
        : { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: draft.billingReason,
    collection_method: draft.collectionMethod ?? 'charge_automatically',
    created: now,
    currency: draft.currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    ...customerSnapshot(customer),
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: structuredClone(draft.taxRates ?? []),
    description: draft.description ?? null,
    discounts: draft.discount === null || discountAmount === 0 ? [] : [draft.discount.id],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: draft.footer ?? null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: draft.metadata ?? {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent:
      draft.subscription === null
        ? null
        : {
            type: 'subscription_details',
            quote_details: null,
            subscription_details: {
              metadata: { ...draft.subscription.metadata },
              subscription: draft.subscription.id,
            },
          },
    payment_settings: {
      default_mandate: null,
      payment_method_options: null,
      payment_method_types: null,
    },
    period_end: draft.periodEnd,
    period_start: draft.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'draft',
    status_transitions: {
      finalized_at: null,
      marked_uncollectible_at: null,
      paid_at: null,
      voided_at: null,
    },
    subtotal,
    subtotal_excluding_tax: subtotal - totals.inclusiveTax,
    test_clock: typeof customer.test_clock === 'string' ? customer.test_clock : null,
    total,
    total_discount_amounts:
      draft.discount === null || discountAmount === 0
        ? []
        : [{ amount: discountAmount, discount: draft.discount.id }],
    total_excluding_tax: total - totals.exclusiveTax - totals.inclusiveTax,
    total_pretax_credit_amounts: [],
    total_taxes: totalTaxes(totals.lineTaxes),
    webhooks_delivered_at: now,
  };
}

export function buildInvoiceLine(
  invoiceId: string,
  line: InvoiceLineSpec,
  subscriptionId: string | null,
): Stripe.InvoiceLineItem {
  const productId =
    typeof line.price.product === 'string' ? line.price.product : line.price.product.id;
  return {
    id: newId('il'),
    object: 'line_item',
    amount: line.amount,
    currency: line.price.currency,
    description: line.description,
    discount_amounts: [],
    discountable: line.discountable ?? !line.proration,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: {},
    parent:
      line.invoiceItem !== null
        ? {
            type: 'invoice_item_details',
            invoice_item_details: {
              invoice_item: line.invoiceItem,
              proration: line.proration,
              proration_details: { credited_items: null },
              subscription: subscriptionId,
            },
            subscription_item_details: null,
          }
        : {
            type: 'subscription_item_details',
            invoice_item_details: null,
            subscription_item_details: {
              invoice_item: null,
              proration: line.proration,
              proration_details: { credited_items: null },
              subscription: subscriptionId,
              subscription_item: line.subscriptionItem ?? '',
            },
          },
    period: { start: line.periodStart, end: line.periodEnd },
    pretax_credit_amounts: [],
    pricing: {
      type: 'price_details',
      price_details: { price: line.price.id, product: productId },
      unit_amount_decimal: wireDecimal(line.price.unit_amount ?? 0),
    },
    quantity: line.quantity,
    quantity_decimal: wireDecimal(line.quantity),
    subscription: subscriptionId,
    subtotal: line.amount,
    taxes: [],
  };
}
