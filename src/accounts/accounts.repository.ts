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

  findByStripeCustomerId(stripeCustomerId: string): Promise<Account | null> {
    return this.prisma.account.findUnique({ where: { stripeCustomerId } });
  }
}
