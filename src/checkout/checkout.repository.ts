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
