import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { CheckoutClaim, Prisma } from '../generated/prisma/client';

/** What a request may do with the account's checkout in one scope, decided under the claim's row lock. */
export type ClaimDecision =
  /** The claim is this request's: create the session with the attempt's idempotency key. */
  | { kind: 'create'; claimId: string; attemptId: string }
  /** The same checkout is open: answer with its session (both tabs pay one session). */
  | { kind: 'join'; stripeSessionId: string }
  /** Another checkout of this scope is open: expire it in Stripe first, then ask again. */
  | { kind: 'supersede'; stripeSessionId: string }
  /** Another request is creating a session right now: wait for it, then ask again. */
  | { kind: 'wait' };

export interface ClaimRequest {
  accountId: string;
  scope: string;
  fingerprint: string;
  /** Billing time, against which sessions' `expiresAt` is judged (the emulator's clock in sandbox). */
  now: Date;
  leaseMs: number;
}

type ClaimRow = CheckoutClaim & { leaseLive: boolean };

/**
 * The CheckoutClaim table. Every method is one short statement or one short transaction:
 * nothing here is held while Stripe is called.
 */
@Injectable()
export class CheckoutClaimsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Decides under the claim row's lock (one short transaction): the row is created on first
   * use, so concurrent first checkouts of an account queue on it instead of racing.
   */
  decide(request: ClaimRequest): Promise<ClaimDecision> {
    const { accountId, scope, fingerprint, now, leaseMs } = request;
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`
          INSERT INTO "CheckoutClaim" ("id", "accountId", "scope", "attemptId", "fingerprint", "leaseUntil", "createdAt", "updatedAt")
          VALUES (gen_random_uuid(), ${accountId}::uuid, ${scope}, gen_random_uuid(), ${fingerprint}, to_timestamp(0), now(), now())
          ON CONFLICT ("accountId", "scope") DO NOTHING`;
        // Leases are judged by the database's clock, the one clock every instance shares.
        const [claim] = await tx.$queryRaw<ClaimRow[]>`
          SELECT *, ("leaseUntil" > now()) AS "leaseLive" FROM "CheckoutClaim"
          WHERE "accountId" = ${accountId}::uuid AND "scope" = ${scope} FOR UPDATE`;
        // Sessions of this scope a buyer could still pay, whoever made them (the claim's own, or
        // one from before claims existed).
        const open = await tx.checkoutSession.findMany({
          where: {
            accountId,
            status: 'open',
            expiresAt: { gt: now },
            ...(scope === 'subscription'
              ? { mode: 'SUBSCRIPTION' }
              : { price: { productId: scope.slice('lifetime:'.length) } }),
          },
          select: { stripeId: true },
          orderBy: { createdAt: 'asc' },
        });
        const own = open.find((session) => session.stripeId === claim.stripeSessionId);
        if (own !== undefined && claim.fingerprint === fingerprint) {
          return { kind: 'join', stripeSessionId: own.stripeId };
        }
        const other = open.find((session) => session.stripeId !== claim.stripeSessionId) ?? own;
        if (other !== undefined) return { kind: 'supersede', stripeSessionId: other.stripeId };
        if (claim.stripeSessionId === null && claim.leaseLive) return { kind: 'wait' };
        // Free. The same request retried after its holder died (no session recorded, same
        // fingerprint) keeps the attempt, so Stripe replays the session it may have created.
        const attemptId =
          claim.stripeSessionId === null && claim.fingerprint === fingerprint
            ? claim.attemptId
            : randomUUID();
        await tx.$executeRaw`
          UPDATE "CheckoutClaim"
          SET "attemptId" = ${attemptId}::uuid, "fingerprint" = ${fingerprint}, "stripeSessionId" = NULL,
              "leaseUntil" = now() + make_interval(secs => ${leaseMs / 1000}), "updatedAt" = now()
          WHERE "id" = ${claim.id}::uuid`;
        return { kind: 'create', claimId: claim.id, attemptId };
      },
      { maxWait: 10_000, timeout: 10_000 },
    );
  }

  /** Keeps a live holder's claim while it waits for Stripe; false once it is no longer its own. */
  async renew(claimId: string, attemptId: string, leaseMs: number): Promise<boolean> {
    const count = await this.prisma.$executeRaw`
      UPDATE "CheckoutClaim" SET "leaseUntil" = now() + make_interval(secs => ${leaseMs / 1000})
      WHERE "id" = ${claimId}::uuid AND "attemptId" = ${attemptId}::uuid AND "stripeSessionId" IS NULL`;
    return count === 1;
  }

  /** A new attempt on the same claim (Stripe refused to replay the previous attempt's key). */
  async newAttempt(claimId: string, attemptId: string): Promise<string | undefined> {
    const next = randomUUID();
    const { count } = await this.prisma.checkoutClaim.updateMany({
      where: { id: claimId, attemptId, stripeSessionId: null },
      data: { attemptId: next },
    });
    return count === 1 ? next : undefined;
  }

  /** Frees the claim at once (the request failed before a session existed). */
  async release(claimId: string, attemptId: string): Promise<void> {
    await this.prisma.checkoutClaim.updateMany({
      where: { id: claimId, attemptId, stripeSessionId: null },
      data: { leaseUntil: new Date(0) },
    });
  }

  /**
   * Records the session Stripe made under the claim, with its local row, in one transaction —
   * unless the claim is no longer this attempt's (its holder stalled past the lease and another
   * request took it over), then nothing is written and false is returned.
   */
  recordSession(
    claimId: string,
    attemptId: string,
    row: Prisma.CheckoutSessionUncheckedCreateInput,
  ): Promise<boolean> {
    return this.prisma.$transaction(
      async (tx) => {
        const { count } = await tx.checkoutClaim.updateMany({
          where: {
            id: claimId,
            attemptId,
            OR: [{ stripeSessionId: null }, { stripeSessionId: row.stripeId }],
          },
          data: { stripeSessionId: row.stripeId, leaseUntil: new Date() },
        });
        if (count === 0) return false;
        // A webhook may have written the row first; what Stripe answered is no newer than that.
        await tx.checkoutSession.upsert({
          where: { stripeId: row.stripeId },
          create: row,
          update: { url: row.url },
        });
        return true;
      },
      { maxWait: 10_000, timeout: 10_000 },
    );
  }

  find(claimId: string): Promise<CheckoutClaim | null> {
    return this.prisma.checkoutClaim.findUnique({ where: { id: claimId } });
  }
}
