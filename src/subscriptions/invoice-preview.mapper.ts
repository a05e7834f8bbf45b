import type Stripe from 'stripe';
import type { InvoicePreviewDto, InvoicePreviewLineDto } from './dto/invoice-preview.dto';

const fromUnix = (seconds: number): Date => new Date(seconds * 1000);

function priceIdOf(line: Stripe.InvoiceLineItem): string | null {
  const price = line.pricing?.price_details?.price;
  if (price === undefined || price === null) return null;
  return typeof price === 'string' ? price : price.id;
}

/** Whether Stripe marks the line as a proration (on a subscription item or an invoice item). */
function isProration(line: Stripe.InvoiceLineItem): boolean {
  return (
    line.parent?.subscription_item_details?.proration === true ||
    line.parent?.invoice_item_details?.proration === true
  );
}

export function toInvoicePreviewLine(line: Stripe.InvoiceLineItem): InvoicePreviewLineDto {
  return {
    description: line.description ?? '',
    amount: line.amount,
    priceId: priceIdOf(line),
    quantity: line.quantity ?? null,
    proration: isProration(line),
    periodStart: fromUnix(line.period.start),
    periodEnd: fromUnix(line.period.end),
  };
}

/**
 * A Stripe invoice preview (`invoices.createPreview`) as the API shows it. The date is the one
 * Stripe gives the invoice it would create; tax sums every line tax, inclusive ones included.
 */
export function toInvoicePreview(invoice: Stripe.Invoice): InvoicePreviewDto {
  const tax = (invoice.total_taxes ?? []).reduce((sum, entry) => sum + entry.amount, 0);
  const discount = (invoice.total_discount_amounts ?? []).reduce(
    (sum, entry) => sum + entry.amount,
    0,
  );
  return {
    date: fromUnix(invoice.created),
    amountDue: invoice.amount_due,
    subtotal: invoice.subtotal,
    total: invoice.total,
    tax,
    discount,
    currency: invoice.currency,
    periodStart: fromUnix(invoice.period_start),
    periodEnd: fromUnix(invoice.period_end),
    lines: invoice.lines.data.map(toInvoicePreviewLine),
  };
}
