import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { CheckoutSession, Prisma } from '../generated/prisma/client';

@Injectable()
export class CheckoutRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Scoped by account: another account's session id finds nothing. */
  findForAccount(accountId: string, stripeId: string): Promise<CheckoutSession | null> {
    return this.prisma.checkoutSession.findFirst({ where: { accountId, stripeId } });
  }

  /**
   * The account's sessions a buyer could still pay: of subscription mode, or for one product
   * (a lifetime grant). Either would break "one live subscription" or "lifetime once" if paid.
   */
  findOpen(
    accountId: string,
    now: Date,
    scope: { mode: 'SUBSCRIPTION' } | { productId: string },
  ): Promise<CheckoutSession[]> {
    return this.prisma.checkoutSession.findMany({
      where: {
        accountId,
        status: 'open',
        expiresAt: { gt: now },
        ...('mode' in scope ? { mode: scope.mode } : { price: { productId: scope.productId } }),
      },
    });
  }

  async markExpired(stripeId: string): Promise<void> {
    await this.prisma.checkoutSession.updateMany({
      where: { stripeId, status: 'open' },
      data: { status: 'expired' },
    });
  }

  async recordCreated(row: Prisma.CheckoutSessionUncheckedCreateInput): Promise<void> {
    const { stripeId, ...fields } = row;
    // A webhook may have written the row first; what Stripe answered is no newer than that.
    await this.prisma.checkoutSession.upsert({
      where: { stripeId },
      create: row,
      update: { url: fields.url },
    });
  }
}
