import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { Account, Prisma } from '../generated/prisma/client';
import { snapshotOf, type DriftKind, type Snapshot } from './drift';
import type { SubscriptionFields } from './sync.mappers';

export type Tx = Prisma.TransactionClient;

/**
 * Every write that brings the database in step with Stripe. Each is an upsert keyed on a
 * Stripe id (or a payment's source key), so applying the same Stripe state twice, or in any
 * order, converges on one set of rows.
 */
@Injectable()
export class SyncRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Runs `work` in one transaction holding an advisory lock on `lockKey` until it ends. */
  inLockedTransaction<T>(lockKey: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.inTransaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`;
      return work(tx);
    });
  }

  /**
   * One transaction whose first statement must take the advisory lock itself (see
   * `advisoryLockSql`): the webhook path takes it in the ledger insert, saving a round trip.
   */
  inTransaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(work, { maxWait: 10_000, timeout: 30_000 });
  }

  upsertProduct(tx: Tx, row: Prisma.ProductUncheckedCreateInput): Promise<unknown> {
    const { id, ...fields } = row;
    return tx.product.upsert({ where: { id }, create: row, update: fields });
  }

  upsertPrice(tx: Tx, row: Prisma.PriceUncheckedCreateInput): Promise<unknown> {
    const { id, ...fields } = row;
    return tx.price.upsert({ where: { id }, create: row, update: fields });
  }

  async hasProduct(tx: Tx, id: string): Promise<boolean> {
    return (await tx.product.count({ where: { id } })) > 0;
  }

  async hasPrice(tx: Tx, id: string): Promise<boolean> {
    return (await tx.price.count({ where: { id } })) > 0;
  }

  markProductDeleted(tx: Tx, id: string): Promise<unknown> {
    return tx.product.updateMany({
      where: { id },
      data: { active: false, deleted: true, stripeSyncedAt: new Date() },
    });
  }

  markPriceDeleted(tx: Tx, id: string): Promise<unknown> {
    return tx.price.updateMany({
      where: { id },
      data: { active: false, deleted: true, stripeSyncedAt: new Date() },
    });
  }

  /**
   * The fields of the rows a Stripe object maps to that a resync compares before and after
   * applying Stripe's state: a difference is drift.
   */
  async snapshotRows(tx: Tx, stripeId: string): Promise<Record<DriftKind, Snapshot>> {
    // One after another: queries of one transaction share one connection.
    const product = await tx.product.findUnique({
      where: { id: stripeId },
      select: { name: true, active: true, deleted: true, features: true, lifetime: true },
    });
    const price = await tx.price.findUnique({
      where: { id: stripeId },
      select: { active: true, deleted: true, unitAmount: true, interval: true, productId: true },
    });
    const subscription = await tx.subscription.findUnique({
      where: { stripeId },
      select: {
        status: true,
        priceId: true,
        quantity: true,
        currentPeriodEnd: true,
        cancelAtPeriodEnd: true,
        canceledAt: true,
        endedAt: true,
        trialEnd: true,
      },
    });
    const payments = await tx.payment.findMany({
      where: {
        sourceKey: { in: [`invoice:${stripeId}`, `session:${stripeId}`, `cancel:${stripeId}`] },
      },
      select: { sourceKey: true, status: true, amount: true },
      orderBy: { sourceKey: 'asc' },
    });
    const session = await tx.checkoutSession.findUnique({
      where: { stripeId },
      select: { status: true, paymentStatus: true, stripeSubscriptionId: true },
    });
    const purchase = await tx.purchase.findUnique({
      where: { stripeCheckoutSessionId: stripeId },
      select: { status: true, amount: true, lifetime: true },
    });
    return {
      products: snapshotOf(product),
      prices: snapshotOf(price),
      subscriptions: snapshotOf(subscription),
      payments: payments.length === 0 ? null : snapshotOf(payments),
      checkoutSessions: snapshotOf(session),
      purchases: snapshotOf(purchase),
    };
  }

  refundPaymentSnapshot(
    tx: Tx,
    refundIds: string[],
  ): Promise<{ sourceKey: string; status: string; amount: number }[]> {
    return tx.payment.findMany({
      where: { sourceKey: { in: refundIds.map((id) => `refund:${id}`) } },
      select: { sourceKey: true, status: true, amount: true },
    });
  }

  async startSyncRun(trigger: string): Promise<string> {
    const run = await this.prisma.syncRun.create({ data: { trigger }, select: { id: true } });
    return run.id;
  }

  async finishSyncRun(id: string, report: Prisma.InputJsonValue): Promise<void> {
    await this.prisma.syncRun.update({
      where: { id },
      data: { finishedAt: new Date(), succeeded: true, report },
    });
  }

  async failSyncRun(id: string, error: string): Promise<void> {
    await this.prisma.syncRun.update({
      where: { id },
      data: { finishedAt: new Date(), succeeded: false, error: error.slice(0, 1000) },
    });
  }

  /** Marks every live product and price not in the given lists as deleted; returns their ids. */
  async markCatalogDeletedExcept(
    tx: Tx,
    productIds: string[],
    priceIds: string[],
  ): Promise<string[]> {
    const goneProducts = await tx.product.findMany({
      where: { deleted: false, id: { notIn: productIds } },
      select: { id: true },
    });
    const gonePrices = await tx.price.findMany({
      where: { deleted: false, id: { notIn: priceIds } },
      select: { id: true },
    });
    const now = new Date();
    await tx.price.updateMany({
      where: { id: { in: gonePrices.map((p) => p.id) } },
      data: { active: false, deleted: true, stripeSyncedAt: now },
    });
    await tx.product.updateMany({
      where: { id: { in: goneProducts.map((p) => p.id) } },
      data: { active: false, deleted: true, stripeSyncedAt: now },
    });
    return [...goneProducts, ...gonePrices].map((row) => row.id);
  }

  accountByCustomer(tx: Tx, stripeCustomerId: string): Promise<Account | null> {
    return tx.account.findUnique({ where: { stripeCustomerId } });
  }

  accountById(tx: Tx, id: string): Promise<Account | null> {
    return tx.account.findUnique({ where: { id } });
  }

  /** Links an account to its Stripe customer, unless either side is already linked elsewhere. */
  async linkCustomer(tx: Tx, accountId: string, stripeCustomerId: string): Promise<void> {
    await tx.account.updateMany({
      where: { id: accountId, stripeCustomerId: null },
      data: { stripeCustomerId },
    });
  }

  unlinkCustomer(tx: Tx, stripeCustomerId: string): Promise<unknown> {
    return tx.account.updateMany({ where: { stripeCustomerId }, data: { stripeCustomerId: null } });
  }

  updateAccountEmail(tx: Tx, stripeCustomerId: string, email: string): Promise<unknown> {
    return tx.account.updateMany({ where: { stripeCustomerId }, data: { email } });
  }

  markHadTrial(tx: Tx, accountId: string): Promise<unknown> {
    return tx.account.updateMany({
      where: { id: accountId, hadTrial: false },
      data: { hadTrial: true },
    });
  }

  async upsertSubscription(
    tx: Tx,
    accountId: string,
    fields: SubscriptionFields,
    pastDueSince: Date | null,
  ): Promise<void> {
    const data = { ...fields, accountId, pastDueSince, stripeSyncedAt: new Date() };
    await tx.subscription.upsert({
      where: { stripeId: fields.stripeId },
      create: data,
      update: data,
    });
  }

  subscriptionByStripeId(
    tx: Tx,
    stripeId: string,
  ): Promise<{ status: string; pastDueSince: Date | null } | null> {
    return tx.subscription.findUnique({
      where: { stripeId },
      select: { status: true, pastDueSince: true },
    });
  }

  async upsertPayment(tx: Tx, row: Prisma.PaymentUncheckedCreateInput): Promise<void> {
    const { sourceKey, ...fields } = row;
    await tx.payment.upsert({ where: { sourceKey }, create: row, update: fields });
  }

  async upsertCheckoutSession(
    tx: Tx,
    row: Prisma.CheckoutSessionUncheckedCreateInput,
  ): Promise<void> {
    const { stripeId, accountId: _, ...fields } = row;
    await tx.checkoutSession.upsert({ where: { stripeId }, create: row, update: fields });
  }

  async checkoutCompletedAt(tx: Tx, stripeId: string): Promise<Date | null> {
    const row = await tx.checkoutSession.findUnique({
      where: { stripeId },
      select: { completedAt: true },
    });
    return row?.completedAt ?? null;
  }

  checkoutSessionByStripeId(
    tx: Tx,
    stripeId: string,
  ): Promise<{ accountId: string; priceId: string } | null> {
    return tx.checkoutSession.findUnique({
      where: { stripeId },
      select: { accountId: true, priceId: true },
    });
  }

  async upsertPurchase(tx: Tx, row: Prisma.PurchaseUncheckedCreateInput): Promise<string> {
    const { stripeCheckoutSessionId, accountId: _, ...fields } = row;
    const purchase = await tx.purchase.upsert({
      where: { stripeCheckoutSessionId },
      create: row,
      update: fields,
      select: { id: true },
    });
    return purchase.id;
  }

  markPurchaseRefunded(tx: Tx, stripePaymentIntentId: string, refundedAt: Date): Promise<unknown> {
    return tx.purchase.updateMany({
      where: { stripePaymentIntentId },
      data: { status: 'REFUNDED', refundedAt },
    });
  }

  accountOfPaymentIntent(
    tx: Tx,
    stripePaymentIntentId: string,
  ): Promise<{ accountId: string } | null> {
    return tx.payment.findUnique({ where: { stripePaymentIntentId }, select: { accountId: true } });
  }
}
