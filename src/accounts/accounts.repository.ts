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
   * Takes the account's customer-creation claim for `leaseMs` (one conditional update, no lock
   * held afterwards), unless the account is linked already or a live claim is someone else's.
   * The account keeps a billing email from then on (the first buyer's, when it had none), so any
   * request that creates the customer under this generation sends Stripe the same parameters.
   */
  async claimCustomerCreation(
    accountId: string,
    callerEmail: string | undefined,
    leaseMs: number,
  ): Promise<{ email: string | null; customerGeneration: number } | null> {
    const [claimed] = await this.prisma.$queryRaw<
      { email: string | null; customerGeneration: number }[]
    >`
      UPDATE "Account"
      SET "customerClaimUntil" = now() + make_interval(secs => ${leaseMs / 1000}),
          "email" = COALESCE("email", ${callerEmail ?? null}),
          "updatedAt" = now()
      WHERE "id" = ${accountId}::uuid AND "stripeCustomerId" IS NULL
        AND ("customerClaimUntil" IS NULL OR "customerClaimUntil" < now())
      RETURNING "email", "customerGeneration"`;
    return claimed ?? null;
  }

  /** Keeps the creation claim while Stripe answers. */
  async renewCustomerClaim(accountId: string, leaseMs: number): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE "Account" SET "customerClaimUntil" = now() + make_interval(secs => ${leaseMs / 1000})
      WHERE "id" = ${accountId}::uuid AND "stripeCustomerId" IS NULL`;
  }

  /** Frees the claim at once (the creation failed). */
  async releaseCustomerClaim(accountId: string): Promise<void> {
    await this.prisma.account.updateMany({
      where: { id: accountId, stripeCustomerId: null },
      data: { customerClaimUntil: null },
    });
  }

  /**
   * Links the account to a customer unless it is linked already (one conditional update), and
   * returns the customer the account is linked to afterwards.
   */
  async linkCustomer(accountId: string, stripeCustomerId: string): Promise<string> {
    await this.prisma.account.updateMany({
      where: { id: accountId, stripeCustomerId: null },
      data: { stripeCustomerId, customerClaimUntil: null },
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
      data: {
        stripeCustomerId: null,
        customerGeneration: { increment: 1 },
        customerClaimUntil: null,
      },
    });
  }

  findByStripeCustomerId(stripeCustomerId: string): Promise<Account | null> {
    return this.prisma.account.findUnique({ where: { stripeCustomerId } });
  }
}
