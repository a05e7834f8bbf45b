import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { Prisma } from '../generated/prisma/client';

const productWithPrices = {
  include: { prices: { where: { active: true, deleted: false } } },
} satisfies Prisma.ProductDefaultArgs;

export type ProductWithPrices = Prisma.ProductGetPayload<typeof productWithPrices>;

const priceWithProduct = { include: { product: true } } satisfies Prisma.PriceDefaultArgs;

export type PriceWithProduct = Prisma.PriceGetPayload<typeof priceWithProduct>;

/** The local mirror of Stripe's catalog. */
@Injectable()
export class CatalogRepository {
  constructor(private readonly prisma: PrismaService) {}

  findActiveProducts(): Promise<ProductWithPrices[]> {
    return this.prisma.product.findMany({
      where: { active: true, deleted: false },
      ...productWithPrices,
      orderBy: { createdAt: 'asc' },
    });
  }

  findPrice(priceId: string): Promise<PriceWithProduct | null> {
    return this.prisma.price.findUnique({ where: { id: priceId }, ...priceWithProduct });
  }

  /** A price that may be sold now: active, on an active product. */
  findSellablePrice(priceId: string): Promise<PriceWithProduct | null> {
    return this.prisma.price.findFirst({
      where: {
        id: priceId,
        active: true,
        deleted: false,
        product: { active: true, deleted: false },
      },
      ...priceWithProduct,
    });
  }
}
