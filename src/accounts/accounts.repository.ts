import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { Account, AccountKind, Prisma } from '../generated/prisma/client';

export type AccountTx = Prisma.TransactionClient;

@Injectable()
export class AccountsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The account row for a principal, created on first use; safe under concurrent first calls. */
  async upsertByExternalId(
    kind: AccountKind,
    externalId: string,
    email: string | undefined,
  ): Promise<Account> {
    const upsert = (): Promise<Account> =>
      this.prisma.account.upsert({
        where: { kind_externalId: { kind, externalId } },
        create: { kind, externalId, email },
        update: email === undefined ? {} : { email },
      });
    try {
      return await upsert();
    } catch (error) {
      // A new account's first requests arrive together (a page loads its plan, catalog and
      // features at once): Prisma's upsert reads then inserts, so all but one insert hit the
      // unique key. The row exists now; the retry takes the update path.
      if ((error as { code?: unknown }).code !== 'P2002') throw error;
      return upsert();
    }
  }

  findById(id: string): Promise<Account | null> {
    return this.prisma.account.findUnique({ where: { id } });
  }

  findByStripeCustomerId(stripeCustomerId: string): Promise<Account | null> {
    return this.prisma.account.findUnique({ where: { stripeCustomerId } });
  }

  /** Runs `work` in one transaction holding the account's advisory lock until it ends. */
  withAccountLock<T>(accountId: string, work: (tx: AccountTx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`account:${accountId}`}, 0))`;
        return work(tx);
      },
      { maxWait: 10_000, timeout: 30_000 },
    );
  }

  findByIdIn(tx: AccountTx, id: string): Promise<Account | null> {
    return tx.account.findUnique({ where: { id } });
  }

  /** Links an account to its Stripe customer, unless either side is already linked elsewhere. */
  async linkCustomer(tx: AccountTx, accountId: string, stripeCustomerId: string): Promise<void> {
    await tx.account.updateMany({
      where: { id: accountId, stripeCustomerId: null },
      data: { stripeCustomerId },
    });
  }

  async unlinkCustomer(tx: AccountTx, stripeCustomerId: string): Promise<void> {
    await tx.account.updateMany({ where: { stripeCustomerId }, data: { stripeCustomerId: null } });
  }
}
