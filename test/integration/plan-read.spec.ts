import { randomUUID } from 'node:crypto';
import type { OpenDatabase } from '../../src/database/database-location';
import { PrismaService } from '../../src/database/prisma.service';
import { SqlClient } from '../../src/database/sql-client';
import { PurchasesRepository } from '../../src/purchases/purchases.repository';
import {
  toLifetimePlanDto,
  toSubscriptionDto,
} from '../../src/subscriptions/subscription.presenter';
import { LIVE_STATUSES } from '../../src/subscriptions/subscription-status';
import { SubscriptionsRepository } from '../../src/subscriptions/subscriptions.repository';
import { createTestDatabase } from '../support/test-database';

/**
 * The account's plan is read in plain SQL (the read every account page makes). It must present
 * exactly what the same rows read through Prisma present: every field, the items' order, the
 * nulls, the dates, and which subscriptions and purchases count.
 */
describe("the plan's plain SQL read", () => {
  let database: OpenDatabase;
  let prisma: PrismaService;
  let subscriptions: SubscriptionsRepository;
  let purchases: PurchasesRepository;
  const now = new Date('2026-06-15T12:00:00.000Z');
  const day = 86_400_000;
  const at = (days: number): Date => new Date(now.getTime() + days * day);
  const include = {
    price: { include: { product: true } },
    account: { select: { defaultPaymentMethodId: true } },
    items: {
      include: { price: { include: { product: true } } },
      orderBy: [{ stripeCreatedAt: 'asc' as const }, { stripeId: 'asc' as const }],
    },
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    prisma = new PrismaService(database.url, { size: 4, acquireTimeoutMs: 5_000 });
    const client = new SqlClient(prisma);
    subscriptions = new SubscriptionsRepository(prisma, client);
    purchases = new PurchasesRepository(prisma, client);
    await prisma.product.createMany({
      data: [
        { id: 'prod_plan', name: 'Pro', features: ['chat', 'export'], metadata: { tier: 'pro' } },
        { id: 'prod_seats', name: 'Extra seats', features: [], metadata: { addon: 'true' } },
        { id: 'prod_life', name: 'Forever', features: ['chat'], lifetime: true },
      ],
    });
    await prisma.price.createMany({
      data: [
        {
          id: 'price_month',
          productId: 'prod_plan',
          type: 'RECURRING',
          unitAmount: 1_500,
          currency: 'eur',
          interval: 'month',
          intervalCount: 3,
        },
        {
          id: 'price_seat',
          productId: 'prod_seats',
          type: 'RECURRING',
          unitAmount: null,
          currency: 'eur',
          interval: 'month',
          intervalCount: 1,
        },
        {
          id: 'price_life',
          productId: 'prod_life',
          type: 'ONE_TIME',
          unitAmount: 9_900,
          currency: 'eur',
        },
      ],
    });
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await database.close();
  });

  async function account(defaultPaymentMethodId: string | null): Promise<string> {
    const id = randomUUID();
    await prisma.account.create({
      data: { id, kind: 'USER', externalId: `user_${id}`, defaultPaymentMethodId },
    });
    return id;
  }

  async function subscription(
    accountId: string,
    fields: {
      status: (typeof LIVE_STATUSES)[number] | 'canceled' | 'incomplete_expired';
      createdDaysAgo: number;
      periodEndDays: number | null;
      extra?: Record<string, unknown>;
    },
  ): Promise<string> {
    const stripeId = `sub_${randomUUID()}`;
    await prisma.subscription.create({
      data: {
        stripeId,
        accountId,
        stripeCustomerId: 'cus_plan',
        status: fields.status,
        priceId: 'price_month',
        productId: 'prod_plan',
        currentPeriodStart: at(-fields.createdDaysAgo),
        currentPeriodEnd: fields.periodEndDays === null ? null : at(fields.periodEndDays),
        stripeCreatedAt: at(-fields.createdDaysAgo),
        stripeSyncedAt: now,
        ...fields.extra,
      },
    });
    return stripeId;
  }

  async function expectSameAsPrisma(accountId: string): Promise<void> {
    const read = await subscriptions.findLiveAndCurrent(accountId, now);
    const rows = await prisma.subscription.findMany({
      where: {
        accountId,
        OR: [{ status: { in: LIVE_STATUSES } }, { currentPeriodEnd: { gt: now } }],
      },
      orderBy: [{ stripeCreatedAt: 'desc' }, { createdAt: 'desc' }, { id: 'desc' }],
      include,
    });
    const live = rows.filter((row) => LIVE_STATUSES.includes(row.status));
    const present = (list: Parameters<typeof toSubscriptionDto>[0][]): unknown[] =>
      list.map((row) => toSubscriptionDto(row, now, 7));
    expect(present(read.live)).toEqual(present(live));
    const current = live[0] ?? rows[0];
    expect(read.current === null ? null : present([read.current])).toEqual(
      current === undefined ? null : present([current]),
    );
    const lifetimes = await prisma.purchase.findMany({
      where: { accountId, lifetime: true, status: 'ACTIVE' },
      orderBy: [{ purchasedAt: 'desc' }, { id: 'desc' }],
      include: { price: { include: { product: true } } },
    });
    expect((await purchases.findActiveLifetimeByAccount(accountId)).map(toLifetimePlanDto)).toEqual(
      lifetimes.map(toLifetimePlanDto),
    );
  }

  it('presents a live subscription with its discount, trial and items exactly as Prisma does', async () => {
    const id = await account(null);
    const stripeId = await subscription(id, {
      status: 'trialing',
      createdDaysAgo: 3,
      periodEndDays: 11,
      extra: {
        trialStart: at(-3),
        trialEnd: at(11),
        trialEndBehavior: 'pause',
        amount: 1_200,
        quantity: 2,
        discount: { id: 'di_1', couponId: 'co_1', name: '20 %', percentOff: 20, amountOff: null },
        metadata: { note: 'kept' },
      },
    });
    // Two add-ons were added in the same second as the plan and sort after it by id; the three
    // are stored in an order that is neither theirs nor its reverse. Another add-on came a day
    // earlier and names a product its price no longer belongs to (the price's product is the
    // one shown). The plan's item is still shown first.
    await prisma.subscriptionItem.createMany({
      data: [
        {
          stripeId: 'si_c_seats',
          subscriptionStripeId: stripeId,
          accountId: id,
          priceId: 'price_seat',
          productId: 'prod_seats',
          quantity: 5,
          stripeCreatedAt: at(-3),
        },
        {
          stripeId: 'si_b_plan',
          subscriptionStripeId: stripeId,
          accountId: id,
          priceId: 'price_month',
          productId: 'prod_plan',
          quantity: 2,
          stripeCreatedAt: at(-3),
        },
        {
          stripeId: 'si_d_seats',
          subscriptionStripeId: stripeId,
          accountId: id,
          priceId: 'price_seat',
          productId: 'prod_seats',
          quantity: 3,
          stripeCreatedAt: at(-3),
        },
        {
          stripeId: 'si_z_seats',
          subscriptionStripeId: stripeId,
          accountId: id,
          priceId: 'price_seat',
          productId: 'prod_seats_before',
          quantity: 1,
          stripeCreatedAt: at(-4),
        },
      ],
    });
    // Ended long ago: not part of the plan.
    await subscription(id, { status: 'canceled', createdDaysAgo: 400, periodEndDays: -30 });
    const read = await subscriptions.findLiveAndCurrent(id, now);
    expect(read.live.map((row) => row.stripeId)).toEqual([stripeId]);
    expect(read.live[0].items.map((item) => item.stripeId)).toEqual([
      'si_z_seats',
      'si_b_plan',
      'si_c_seats',
      'si_d_seats',
    ]);
    const dto = toSubscriptionDto(read.live[0], now, 7);
    expect(
      dto.items.map((item) => [item.id, item.addOn, item.productId, item.productName]),
    ).toEqual([
      ['si_b_plan', false, 'prod_plan', 'Pro'],
      ['si_z_seats', true, 'prod_seats_before', 'Extra seats'],
      ['si_c_seats', true, 'prod_seats', 'Extra seats'],
      ['si_d_seats', true, 'prod_seats', 'Extra seats'],
    ]);
    expect(dto).toMatchObject({
      periodType: 'QUARTERLY',
      amount: 1_200,
      paymentMethodRequired: true,
      trialEndBehavior: 'pause',
      trialEnd: at(11),
    });
    await expectSameAsPrisma(id);
  });

  it('keeps an ended subscription inside its paid period as current, and counts only live ones as live', async () => {
    const id = await account('pm_on_file');
    const paidUntilLater = await subscription(id, {
      status: 'canceled',
      createdDaysAgo: 40,
      periodEndDays: 5,
      extra: { canceledAt: at(-2), endedAt: at(-2), cancelAtPeriodEnd: true },
    });
    await subscription(id, { status: 'incomplete_expired', createdDaysAgo: 1, periodEndDays: -1 });
    // Newer, but its paid period ends at this very instant: over.
    await subscription(id, { status: 'canceled', createdDaysAgo: 2, periodEndDays: 0 });
    const read = await subscriptions.findLiveAndCurrent(id, now);
    expect(read.live).toEqual([]);
    expect(read.current?.stripeId).toBe(paidUntilLater);
    await expectSameAsPrisma(id);
  });

  it('orders several live subscriptions newest first, with a row mirrored before items were kept', async () => {
    const id = await account('pm_on_file');
    await subscription(id, {
      status: 'past_due',
      createdDaysAgo: 20,
      periodEndDays: 10,
      extra: { pastDueSince: at(-9) },
    });
    // Paused at a trial's end with no card of its own: the customer's card on file is enough.
    await subscription(id, {
      status: 'paused',
      createdDaysAgo: 2,
      periodEndDays: null,
      extra: { trialEndBehavior: 'pause' },
    });
    // Two created in the same second at Stripe: the one mirrored last comes first. One names a
    // product its price no longer belongs to: the row's product id, the price's product's name.
    await subscription(id, {
      status: 'unpaid',
      createdDaysAgo: 5,
      periodEndDays: 25,
      // Local ids in the other order, so that only the insert order can rank the two.
      extra: { id: 'ffffffff-ffff-4fff-bfff-ffffffffffff', productId: 'prod_plan_before' },
    });
    await subscription(id, {
      status: 'active',
      createdDaysAgo: 5,
      periodEndDays: 25,
      extra: { id: '00000000-0000-4000-8000-000000000000', cancelAt: at(25) },
    });
    const read = await subscriptions.findLiveAndCurrent(id, now);
    expect(read.live.map((row) => row.status)).toEqual(['paused', 'active', 'unpaid', 'past_due']);
    expect(toSubscriptionDto(read.live[2], now, 7)).toMatchObject({
      productId: 'prod_plan_before',
      productName: 'Pro',
    });
    expect(toSubscriptionDto(read.live[0], now, 7).paymentMethodRequired).toBe(false);
    expect(toSubscriptionDto(read.live[3], now, 7).entitled).toBe(false);
    await expectSameAsPrisma(id);
  });

  it('reads only active lifetime purchases, newest first, and nothing of another account', async () => {
    const id = await account(null);
    const other = await account(null);
    await subscription(other, { status: 'active', createdDaysAgo: 1, periodEndDays: 29 });
    const purchase = (
      accountId: string,
      days: number,
      status: 'ACTIVE' | 'REFUNDED',
      lifetime = true,
      productId = 'prod_life',
    ) =>
      prisma.purchase.create({
        data: {
          accountId,
          productId,
          priceId: 'price_life',
          lifetime,
          amount: 7_900,
          currency: 'eur',
          status,
          stripeCheckoutSessionId: `cs_${randomUUID()}`,
          purchasedAt: at(-days),
        },
      });
    await purchase(id, 10, 'ACTIVE');
    await purchase(id, 3, 'ACTIVE', true, 'prod_life_before');
    await purchase(id, 1, 'REFUNDED');
    await purchase(id, 0, 'ACTIVE', false);
    await purchase(other, 2, 'ACTIVE');
    const lifetimes = await purchases.findActiveLifetimeByAccount(id);
    expect(lifetimes.map((row) => row.purchasedAt)).toEqual([at(-3), at(-10)]);
    expect(toLifetimePlanDto(lifetimes[0])).toMatchObject({
      kind: 'lifetime',
      amount: 7_900,
      productId: 'prod_life_before',
      productName: 'Forever',
    });
    expect(await subscriptions.findLiveAndCurrent(id, now)).toEqual({ live: [], current: null });
    await expectSameAsPrisma(id);
    await expectSameAsPrisma(other);
  });
});
