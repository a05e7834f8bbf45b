import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { Prisma, WebhookEvent, WebhookEventStatus } from '../generated/prisma/client';
import type { Tx } from '../sync/sync.repository';

export interface LedgerEntry {
  stripeEventId: string;
  type: string;
  apiVersion: string | null;
  objectId: string | null;
  stripeCustomerId: string | null;
  stripeCreatedAt: Date;
  payload: Prisma.InputJsonValue;
}

/**
 * PostgreSQL's jsonb cannot hold U+0000 (`\u0000`), and Stripe passes through whatever text a
 * merchant put in metadata or descriptions. Such a payload is stored as its JSON text inside a
 * one-key wrapper (`\u0000` stays six plain characters there), so the event is still recorded
 * and can be replayed byte for byte; every other payload is stored as is.
 */
const ESCAPED_PAYLOAD_KEY = '$billingEscapedJson';

export function storablePayload(payload: Prisma.InputJsonValue): Prisma.InputJsonValue {
  const text = JSON.stringify(payload);
  return text.includes('\\u0000') ? { [ESCAPED_PAYLOAD_KEY]: text } : payload;
}

/** The payload as Stripe sent it, whether it was stored as is or escaped. */
export function originalPayload(stored: Prisma.JsonValue): Prisma.JsonValue {
  if (typeof stored === 'object' && stored !== null && !Array.isArray(stored)) {
    const escaped = stored[ESCAPED_PAYLOAD_KEY];
    if (typeof escaped === 'string' && Object.keys(stored).length === 1) {
      return JSON.parse(escaped) as Prisma.JsonValue;
    }
  }
  return stored;
}

const withOriginalPayload = <T extends { payload: Prisma.JsonValue }>(row: T): T => ({
  ...row,
  payload: originalPayload(row.payload),
});

/** The ledger of Stripe events: one row per event id, whatever the number of deliveries. */
@Injectable()
export class WebhookLedgerRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Takes the transaction-scoped advisory lock on `lockKey` (the event's customer), then
   * records the event, in one statement (one round trip): the lock is taken when the `lock`
   * row is produced, before the insert. Returns the event's status before this delivery: null
   * when new. A concurrent delivery of the same event waits on the lock (or the unique index)
   * until the first transaction ends, then sees its outcome. A new row is written as PROCESSED
   * at once: nobody sees it before the transaction commits, and a failure rolls it back, so
   * the common path needs no second write (`finish` is for the other outcomes).
   */
  async recordOnce(
    tx: Tx,
    entry: LedgerEntry,
    lockKey: string,
  ): Promise<WebhookEventStatus | null> {
    const inserted = await tx.$queryRaw<{ id: string }[]>`
      WITH "lock" AS (SELECT pg_advisory_xact_lock(hashtextextended(${lockKey}, 0)))
      INSERT INTO "WebhookEvent" ("id", "stripeEventId", "type", "apiVersion", "objectId", "stripeCustomerId",
                                  "stripeCreatedAt", "receivedAt", "status", "processedAt", "attempts", "payload")
      SELECT gen_random_uuid(), ${entry.stripeEventId}, ${entry.type}, ${entry.apiVersion}, ${entry.objectId},
             ${entry.stripeCustomerId}, ${entry.stripeCreatedAt}, now(), 'PROCESSED', now(), 1, ${JSON.stringify(storablePayload(entry.payload))}::jsonb
      FROM "lock"
      ON CONFLICT ("stripeEventId") DO NOTHING
      RETURNING "id"`;
    if (inserted.length > 0) return null;
    const [existing] = await tx.$queryRaw<{ status: WebhookEventStatus }[]>`
      SELECT "status" FROM "WebhookEvent" WHERE "stripeEventId" = ${entry.stripeEventId} FOR UPDATE`;
    if (existing.status === 'FAILED' || existing.status === 'PROCESSING') {
      await tx.webhookEvent.update({
        where: { stripeEventId: entry.stripeEventId },
        data: { attempts: { increment: 1 } },
      });
    }
    return existing.status;
  }

  async finish(
    tx: Tx,
    stripeEventId: string,
    status: 'PROCESSED' | 'IGNORED',
    note?: string,
  ): Promise<void> {
    await tx.webhookEvent.update({
      where: { stripeEventId },
      data: { status, processedAt: new Date(), lastError: note ?? null },
    });
  }

  /** Outside the rolled-back transaction: the failure must survive it. */
  async recordFailure(entry: LedgerEntry, error: string): Promise<void> {
    await this.prisma.webhookEvent.upsert({
      where: { stripeEventId: entry.stripeEventId },
      create: {
        ...entry,
        payload: storablePayload(entry.payload),
        status: 'FAILED',
        attempts: 1,
        lastError: error,
      },
      update: { status: 'FAILED', attempts: { increment: 1 }, lastError: error },
    });
  }

  async findByStripeId(stripeEventId: string): Promise<WebhookEvent | null> {
    const row = await this.prisma.webhookEvent.findUnique({ where: { stripeEventId } });
    return row === null ? null : withOriginalPayload(row);
  }

  knownIds(
    stripeEventIds: string[],
  ): Promise<{ stripeEventId: string; status: WebhookEventStatus }[]> {
    return this.prisma.webhookEvent.findMany({
      where: { stripeEventId: { in: stripeEventIds } },
      select: { stripeEventId: true, status: true },
    });
  }

  async list(filter: {
    status?: WebhookEventStatus;
    limit: number;
    before?: Date;
  }): Promise<WebhookEvent[]> {
    const rows = await this.prisma.webhookEvent.findMany({
      where: {
        status: filter.status,
        receivedAt: filter.before ? { lt: filter.before } : undefined,
      },
      orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
      take: filter.limit,
    });
    return rows.map(withOriginalPayload);
  }

  async purgeOlderThan(cutoff: Date): Promise<number> {
    const result = await this.prisma.webhookEvent.deleteMany({
      where: { receivedAt: { lt: cutoff }, status: { in: ['PROCESSED', 'IGNORED'] } },
    });
    return result.count;
  }
}
