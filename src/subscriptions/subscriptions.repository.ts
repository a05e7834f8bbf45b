import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import { sql } from '../database/sql';
import { SqlClient } from '../database/sql-client';
import type {
  Price,
  Prisma,
  Product,
  Subscription,
  SubscriptionItem,
} from '../generated/prisma/client';
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

/**
 * What a plan's presentation reads of a subscription: its row, its price and product, its items
 * with theirs, and whether its customer has a card on file. A `SubscriptionWithPrice` is one.
 */
export type SubscriptionView = Pick<
  Subscription,
  | 'stripeId'
  | 'status'
  | 'priceId'
  | 'productId'
  | 'quantity'
  | 'currentPeriodStart'
  | 'currentPeriodEnd'
  | 'cancelAtPeriodEnd'
  | 'cancelAt'
  | 'canceledAt'
  | 'endedAt'
  | 'trialStart'
  | 'trialEnd'
  | 'trialEndBehavior'
  | 'defaultPaymentMethodId'
  | 'pastDueSince'
  | 'amount'
  | 'discount'
> & {
  price: Pick<Price, 'type' | 'unitAmount' | 'currency' | 'interval' | 'intervalCount'> & {
    product: Pick<Product, 'name' | 'lifetime' | 'features'>;
  };
  account: { defaultPaymentMethodId: string | null };
  items: (Pick<SubscriptionItem, 'stripeId' | 'priceId' | 'productId' | 'quantity'> & {
    price: Pick<Price, 'unitAmount'> & {
      product: Pick<Product, 'name' | 'metadata' | 'features'>;
    };
  })[];
};

type PlanRow = Omit<SubscriptionView, 'price' | 'account' | 'items'> & {
  priceType: Price['type'];
  unitAmount: number | null;
  currency: string;
  interval: string | null;
  intervalCount: number | null;
  productName: string;
  productLifetime: boolean;
  productFeatures: string[];
  customerPaymentMethodId: string | null;
  items: {
    stripeId: string;
    priceId: string;
    productId: string;
    quantity: number;
    unitAmount: number | null;
    productName: string;
    metadata: Prisma.JsonValue;
    features: string[];
  }[];
};

function viewOf(row: PlanRow): SubscriptionView {
  const {
    priceType,
    unitAmount,
    currency,
    interval,
    intervalCount,
    productName,
    productLifetime,
    productFeatures,
    customerPaymentMethodId,
    items,
    ...subscription
  } = row;
  return {
    ...subscription,
    price: {
      type: priceType,
      unitAmount,
      currency,
      interval,
      intervalCount,
      product: { name: productName, lifetime: productLifetime, features: productFeatures },
    },
    account: { defaultPaymentMethodId: customerPaymentMethodId },
    items: items.map((item) => ({
      stripeId: item.stripeId,
      priceId: item.priceId,
      productId: item.productId,
      quantity: item.quantity,
      price: {
        unitAmount: item.unitAmount,
        product: { name: item.productName, metadata: item.metadata, features: item.features },
      },
    })),
  };
}

/** Every query is scoped by account id: a cross-account read cannot be written with it. */
@Injectable()
export class SubscriptionsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly sql: SqlClient,
  ) {}

  findLiveByAccount(accountId: string): Promise<SubscriptionWithPrice[]> {
    return this.prisma.subscription.findMany({
      where: { accountId, status: { in: LIVE_STATUSES } },
      orderBy: [{ stripeCreatedAt: 'desc' }, { createdAt: 'desc' }, { id: 'desc' }],
      ...withPrice,
    });
  }

  /**
   * The live subscription, else the most recently ended one whose paid period has not run out.
   */
  async findCurrentByAccount(accountId: string, now: Date): Promise<SubscriptionView | null> {
    return (await this.findLiveAndCurrent(accountId, now)).current;
  }

  /**
   * The live subscriptions (newest first) and the current one — the newest live subscription,
   * else the most recently ended one whose paid period has not run out — with their price,
   * product, items and the customer's card. The read every account page and the pricing page
   * make: one plain SQL statement, prepared once per connection, with no query building.
   */
  async findLiveAndCurrent(
    accountId: string,
    now: Date,
  ): Promise<{ live: SubscriptionView[]; current: SubscriptionView | null }> {
    const rows = await this.sql.query<PlanRow>(
      sql`
        SELECT s."stripeId", s."status"::text AS "status", s."priceId", s."productId",
          s."quantity", s."currentPeriodStart", s."currentPeriodEnd", s."cancelAtPeriodEnd",
          s."cancelAt", s."canceledAt", s."endedAt", s."trialStart", s."trialEnd",
          s."trialEndBehavior", s."defaultPaymentMethodId", s."pastDueSince", s."amount",
          s."discount",
          p."type"::text AS "priceType", p."unitAmount", p."currency", p."interval",
          p."intervalCount",
          pr."name" AS "productName", pr."lifetime" AS "productLifetime",
          pr."features" AS "productFeatures",
          a."defaultPaymentMethodId" AS "customerPaymentMethodId",
          -- No timestamps in here: inside JSON they would arrive as text, not as Dates.
          COALESCE((
            SELECT json_agg(json_build_object(
                'stripeId', i."stripeId", 'priceId', i."priceId", 'productId', i."productId",
                'quantity', i."quantity", 'unitAmount', ip."unitAmount",
                'productName', ipr."name", 'metadata', ipr."metadata",
                'features', ipr."features")
              ORDER BY i."stripeCreatedAt", i."stripeId")
            FROM "SubscriptionItem" i
            JOIN "Price" ip ON ip."id" = i."priceId"
            JOIN "Product" ipr ON ipr."id" = ip."productId"
            WHERE i."subscriptionStripeId" = s."stripeId"
          ), '[]'::json) AS "items"
        FROM "Subscription" s
        JOIN "Price" p ON p."id" = s."priceId"
        JOIN "Product" pr ON pr."id" = p."productId"
        JOIN "Account" a ON a."id" = s."accountId"
        WHERE s."accountId" = ${accountId}::uuid
          AND (s."status" = ANY(${LIVE_STATUSES}::"SubscriptionStatus"[]) OR s."currentPeriodEnd" > ${now})
        ORDER BY s."stripeCreatedAt" DESC, s."createdAt" DESC, s."id" DESC`,
      'subscriptions_plan',
    );
    const views = rows.map(viewOf);
    const live = views.filter((row) => LIVE_STATUSES.includes(row.status));
    return { live, current: live[0] ?? views[0] ?? null };
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
