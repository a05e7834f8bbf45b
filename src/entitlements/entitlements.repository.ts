import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import { GRANTING_STATUSES, type GrantRow } from './entitlement-grants';

/** The rows entitlements are computed from, scoped by account id. */
@Injectable()
export class EntitlementsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Every subscription that may grant and every lifetime purchase in force, each with its
   * product's features, in one round trip: this feeds the hot entitlement check on a cache miss.
   * Both halves are served by the (accountId, status) and (accountId, lifetime, status) indexes.
   */
  findGrantsByAccount(accountId: string): Promise<GrantRow[]> {
    const statuses = [...GRANTING_STATUSES];
    return this.prisma.$queryRaw<GrantRow[]>`
      SELECT 'subscription' AS "source", p."id" AS "productId", p."name" AS "productName",
             p."features", s."stripeId" AS "subscriptionId", s."status"::text AS "status",
             s."pastDueSince", s."currentPeriodEnd", s."stripeCreatedAt" AS "since"
        FROM "Subscription" s
        -- The plan's product and every item's (add-ons): entitlements are the union over items.
        JOIN LATERAL (SELECT s."productId" AS "productId"
                      UNION
                      SELECT i."productId" FROM "SubscriptionItem" i WHERE i."subscriptionStripeId" = s."stripeId") g ON true
        JOIN "Product" p ON p."id" = g."productId"
       WHERE s."accountId" = ${accountId}::uuid
         AND s."status" = ANY(${statuses}::"SubscriptionStatus"[])
      UNION ALL
      SELECT 'lifetime', p."id", p."name", p."features", NULL, NULL, NULL, NULL, pu."purchasedAt"
        FROM "Purchase" pu
        JOIN "Product" p ON p."id" = pu."productId"
       WHERE pu."accountId" = ${accountId}::uuid
         AND pu."lifetime" = true
         AND pu."status" = 'ACTIVE'
      ORDER BY "since" DESC`;
  }
}
