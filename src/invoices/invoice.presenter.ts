import type { InvoiceDto } from './dto/invoices.dto';
import type { InvoiceWithLines } from './invoices.repository';

export function toInvoiceDto(row: InvoiceWithLines): InvoiceDto {
  return {
    id: row.stripeId,
    number: row.number,
    status: row.status,
    currency: row.currency,
    subtotal: row.subtotal,
    discountAmount: row.discountAmount,
    taxAmount: row.taxAmount,
    total: row.total,
    amountDue: row.amountDue,
    amountPaid: row.amountPaid,
    amountRemaining: row.amountRemaining,
    billingReason: row.billingReason,
    description: row.description,
    periodStart: row.periodStart,
    periodEnd: row.periodEnd,
    hostedInvoiceUrl: row.hostedInvoiceUrl,
    invoicePdfUrl: row.invoicePdfUrl,
    subscriptionId: row.stripeSubscriptionId,
    issuedAt: row.issuedAt,
    paidAt: row.paidAt,
    lines: row.lines.map((line) => ({
      id: line.stripeId,
      description: line.description,
      priceId: line.priceId,
      quantity: line.quantity,
      amount: line.amount,
      discountAmount: line.discountAmount,
      taxAmount: line.taxAmount,
      currency: line.currency,
      proration: line.proration,
      periodStart: line.periodStart,
      periodEnd: line.periodEnd,
    })),
  };
}
