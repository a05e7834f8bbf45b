import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { PaymentMethod } from '../generated/prisma/client';

/** The account's saved cards as the sync engine mirrors them, always scoped by account id. */
@Injectable()
export class PaymentMethodsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Attached cards, newest first (served by the (accountId, stripeCreatedAt desc) index). */
  findAttachedByAccount(accountId: string): Promise<PaymentMethod[]> {
    return this.prisma.paymentMethod.findMany({
      where: { accountId, detachedAt: null },
      orderBy: [{ stripeCreatedAt: 'desc' }, { stripeId: 'desc' }],
    });
  }

  findAttached(accountId: string, stripeId: string): Promise<PaymentMethod | null> {
    return this.prisma.paymentMethod.findFirst({
      where: { accountId, stripeId, detachedAt: null },
    });
  }
}
