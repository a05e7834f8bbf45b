import type { Payment } from '../generated/prisma/client';
import type { PaymentDto } from './dto/payments.dto';

/** The receipt of the payment's invoice, when the account has it. */
export interface InvoiceLinks {
  hostedInvoiceUrl: string | null;
  invoicePdfUrl: string | null;
}

export function toPaymentDto(row: Payment, invoice?: InvoiceLinks): PaymentDto {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    amount: row.amount,
    amountRefunded: row.type === 'REFUND' ? 0 : row.amountRefunded,
    currency: row.currency,
    description: row.description,
    occurredAt: row.occurredAt,
    invoiceId: row.stripeInvoiceId,
    hostedInvoiceUrl: row.hostedInvoiceUrl ?? invoice?.hostedInvoiceUrl ?? null,
    invoicePdfUrl: invoice?.invoicePdfUrl ?? null,
    subscriptionId: row.stripeSubscriptionId,
    checkoutSessionId: row.stripeCheckoutSessionId,
    refundId: row.stripeRefundId,
  };
}
