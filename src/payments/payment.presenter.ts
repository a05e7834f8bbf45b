import type { Payment } from '../generated/prisma/client';
import type { PaymentDto } from './dto/payments.dto';

export function toPaymentDto(row: Payment): PaymentDto {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    amount: row.amount,
    currency: row.currency,
    description: row.description,
    occurredAt: row.occurredAt,
    invoiceId: row.stripeInvoiceId,
    hostedInvoiceUrl: row.hostedInvoiceUrl,
    subscriptionId: row.stripeSubscriptionId,
    checkoutSessionId: row.stripeCheckoutSessionId,
    refundId: row.stripeRefundId,
  };
}
