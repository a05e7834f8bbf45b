import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import { sql } from '../database/sql';
import { SqlClient } from '../database/sql-client';
import type { Price, Prisma, Product, Purchase } from '../generated/prisma/client';

const withProduct = {
  include: { price: { include: { product: true } } },
} satisfies Prisma.PurchaseDefaultArgs;

export type PurchaseWithProduct = Prisma.PurchaseGetPayload<typeof withProduct>;

/** What a lifetime plan's presentation reads of a purchase. A `PurchaseWithProduct` is one. */
export type LifetimePlanView = Pick<
  Purchase,
  'id' | 'priceId' | 'productId' | 'amount' | 'currency' | 'quantity' | 'purchasedAt'
> & {
  price: Pick<Price, 'unitAmount'> & { product: Pick<Product, 'name' | 'features'> };
};

type LifetimePlanRow = Omit<LifetimePlanView, 'price'> & {
  unitAmount: number | null;
  productName: string;
  features: string[];
};

@Injectable()
export class PurchasesRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly sql: SqlClient,
  ) {}

  /**
   * Lifetime grants still in force (a refunded one no longer grants), newest first. Read with
   * the account's plan on every account page: one plain SQL statement, prepared once.
   */
  async findActiveLifetimeByAccount(accountId: string): Promise<LifetimePlanView[]> {
    const rows = await this.sql.query<LifetimePlanRow>(
      sql`
        SELECT u."id", u."priceId", u."productId", u."amount", u."currency", u."quantity",
          u."purchasedAt", p."unitAmount", pr."name" AS "productName", pr."features"
        FROM "Purchase" u
        JOIN "Price" p ON p."id" = u."priceId"
        JOIN "Product" pr ON pr."id" = p."productId"
        WHERE u."accountId" = ${accountId}::uuid AND u."lifetime" AND u."status" = 'ACTIVE'
        ORDER BY u."purchasedAt" DESC, u."id" DESC`,
      'purchases_lifetime_plans',
    );
    return rows.map(({ unitAmount, productName, features, ...purchase }) => ({
      ...purchase,
      price: { unitAmount, product: { name: productName, features } },
    }));
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
