import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { Account, AccountKind } from '../generated/prisma/client';

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

  /**
   * Links the account to a customer unless it is linked already (one conditional update), and
   * returns the customer the account is linked to afterwards.
   */
  async linkCustomer(accountId: string, stripeCustomerId: string): Promise<string> {
    await this.prisma.account.updateMany({
      where: { id: accountId, stripeCustomerId: null },
      data: { stripeCustomerId },
    });
    const linked = await this.prisma.account.findUnique({
      where: { id: accountId },
      select: { stripeCustomerId: true },
    });
    return linked?.stripeCustomerId ?? stripeCustomerId;
  }

  /** Unlinks a customer Stripe no longer has and moves the account to its next generation. */
  async unlinkVanishedCustomer(accountId: string, stripeCustomerId: string): Promise<void> {
    await this.prisma.account.updateMany({
      where: { id: accountId, stripeCustomerId },
      data: { stripeCustomerId: null, customerGeneration: { increment: 1 } },
    });
  }

  findByStripeCustomerId(stripeCustomerId: string): Promise<Account | null> {
    return this.prisma.account.findUnique({ where: { stripeCustomerId } });
  }
}
