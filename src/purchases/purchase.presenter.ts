import type { PurchaseDto } from './dto/purchase.dto';
import type { PurchaseWithProduct } from './purchases.repository';

export function toPurchaseDto(row: PurchaseWithProduct): PurchaseDto {
  return {
    id: row.id,
    productId: row.productId,
    productName: row.price.product.name,
    priceId: row.priceId,
    lifetime: row.lifetime,
    quantity: row.quantity,
    amount: row.amount,
    currency: row.currency,
    status: row.status,
    purchasedAt: row.purchasedAt,
    refundedAt: row.refundedAt,
  };
}
