import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { PaymentMethod } from '../generated/prisma/client';

export interface AccountCards {
  defaultPaymentMethodId: string | null;
  cards: PaymentMethod[];
}

/**
 * The account's saved cards as the sync engine mirrors them. Cards are stored by Stripe
 * customer; every query goes through the account's own customer link, so another account's
 * card cannot be read through here.
 */
@Injectable()
export class PaymentMethodsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Attached cards, newest first (the (stripeCustomerId, stripeCreatedAt desc) index). */
  async findAttachedByAccount(accountId: string): Promise<AccountCards> {
    const account = await this.prisma.account.findUnique({
      where: { id: accountId },
      select: { stripeCustomerId: true, defaultPaymentMethodId: true },
    });
    if (account?.stripeCustomerId == null) return { defaultPaymentMethodId: null, cards: [] };
    const cards = await this.prisma.paymentMethod.findMany({
      where: { stripeCustomerId: account.stripeCustomerId, detachedAt: null },
      orderBy: [{ stripeCreatedAt: 'desc' }, { stripeId: 'desc' }],
    });
    return { defaultPaymentMethodId: account.defaultPaymentMethodId, cards };
  }

  /** One attached card of the account's customer, with that customer's id. */
  async findAttached(
    accountId: string,
    stripeId: string,
  ): Promise<{ card: PaymentMethod; customerId: string } | null> {
    const account = await this.prisma.account.findUnique({
      where: { id: accountId },
      select: { stripeCustomerId: true },
    });
    if (account?.stripeCustomerId == null) return null;
    const card = await this.prisma.paymentMethod.findFirst({
      where: { stripeId, stripeCustomerId: account.stripeCustomerId, detachedAt: null },
    });
    return card === null ? null : { card, customerId: account.stripeCustomerId };
  }
}
