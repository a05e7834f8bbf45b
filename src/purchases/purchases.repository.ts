import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { Prisma } from '../generated/prisma/client';

const withProduct = {
  include: { price: { include: { product: true } } },
} satisfies Prisma.PurchaseDefaultArgs;

export type PurchaseWithProduct = Prisma.PurchaseGetPayload<typeof withProduct>;

@Injectable()
export class PurchasesRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Lifetime grants still in force (a refunded one no longer grants). */
  findActiveLifetimeByAccount(accountId: string): Promise<PurchaseWithProduct[]> {
    return this.prisma.purchase.findMany({
      where: { accountId, lifetime: true, status: 'ACTIVE' },
      orderBy: { purchasedAt: 'desc' },
      ...withProduct,
    });
  }

  findAllByAccount(accountId: string): Promise<PurchaseWithProduct[]> {
    return this.prisma.purchase.findMany({
      where: { accountId },
      orderBy: [{ purchasedAt: 'desc' }, { id: 'desc' }],
      ...withProduct,
    });
  }

  ownsLifetimeProduct(accountId: string, productId: string): Promise<boolean> {
    return this.prisma.purchase
      .count({ where: { accountId, productId, lifetime: true, status: 'ACTIVE' } })
      .then((count) => count > 0);
  }
}
