import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { Prisma, Subscription } from '../generated/prisma/client';
import { LIVE_STATUSES } from './subscription-status';

const withPrice = {
  include: {
    price: { include: { product: true } },
    // Whether a card is on file at the customer ("add a card to continue").
    account: { select: { defaultPaymentMethodId: true } },
    items: {
      include: { price: { include: { product: true } } },
      orderBy: [{ stripeCreatedAt: 'asc' }, { stripeId: 'asc' }],
    },
  },
} satisfies Prisma.SubscriptionDefaultArgs;

export type SubscriptionWithPrice = Prisma.SubscriptionGetPayload<typeof withPrice>;

/** Every query is scoped by account id: a cross-account read cannot be written with it. */
@Injectable()
export class SubscriptionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  findLiveByAccount(accountId: string): Promise<SubscriptionWithPrice[]> {
    return this.prisma.subscription.findMany({
      where: { accountId, status: { in: LIVE_STATUSES } },
      orderBy: [{ stripeCreatedAt: 'desc' }, { createdAt: 'desc' }],
      ...withPrice,
    });
  }

  /**
   * The live subscription, else the most recently ended one whose paid period has not run out.
   */
  async findCurrentByAccount(accountId: string, now: Date): Promise<SubscriptionWithPrice | null> {
    return (await this.findLiveAndCurrent(accountId, now)).current;
  }

  /**
   * In one query: the live subscriptions (newest first) and the current one — the newest live
   * subscription, else the most recently ended one whose paid period has not run out.
   */
  async findLiveAndCurrent(
    accountId: string,
    now: Date,
  ): Promise<{ live: SubscriptionWithPrice[]; current: SubscriptionWithPrice | null }> {
    const rows = await this.prisma.subscription.findMany({
      where: {
        accountId,
        OR: [{ status: { in: LIVE_STATUSES } }, { currentPeriodEnd: { gt: now } }],
      },
      orderBy: [{ stripeCreatedAt: 'desc' }, { createdAt: 'desc' }],
      ...withPrice,
    });
    const live = rows.filter((row) => LIVE_STATUSES.includes(row.status));
    return { live, current: live[0] ?? rows[0] ?? null };
  }

  findAllByAccount(accountId: string): Promise<SubscriptionWithPrice[]> {
    return this.prisma.subscription.findMany({
      where: { accountId },
      // Stripe's timestamps have one-second resolution: the local insert order breaks ties.
      orderBy: [{ stripeCreatedAt: 'desc' }, { createdAt: 'desc' }, { id: 'desc' }],
      ...withPrice,
    });
  }

  countByAccount(accountId: string): Promise<number> {
    return this.prisma.subscription.count({ where: { accountId } });
  }

  /** Any account's subscription by its Stripe id: for admin routes only, which name no account. */
  findAnyByStripeId(stripeId: string): Promise<SubscriptionWithPrice | null> {
    return this.prisma.subscription.findUnique({ where: { stripeId }, ...withPrice });
  }

  findByStripeId(accountId: string, stripeId: string): Promise<Subscription | null> {
    return this.prisma.subscription.findFirst({ where: { accountId, stripeId } });
  }
}
