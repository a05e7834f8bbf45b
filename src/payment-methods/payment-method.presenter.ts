import type { PaymentMethod } from '../generated/prisma/client';
import type { PaymentMethodDto } from './dto/payment-methods.dto';

export function toPaymentMethodDto(
  row: PaymentMethod,
  defaultPaymentMethodId: string | null,
): PaymentMethodDto {
  return {
    id: row.stripeId,
    type: row.type,
    brand: row.brand,
    last4: row.last4,
    expMonth: row.expMonth,
    expYear: row.expYear,
    isDefault: row.stripeId === defaultPaymentMethodId,
    createdAt: row.stripeCreatedAt,
  };
}
