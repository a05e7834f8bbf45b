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
    return this.prisma.account.upsert({
      where: { kind_externalId: { kind, externalId } },
      create: { kind, externalId, email },
      update: email === undefined ? {} : { email },
    });
  }

  findById(id: string): Promise<Account | null> {
    return this.prisma.account.findUnique({ where: { id } });
  }

  findByStripeCustomerId(stripeCustomerId: string): Promise<Account | null> {
    return this.prisma.account.findUnique({ where: { stripeCustomerId } });
  }
}
