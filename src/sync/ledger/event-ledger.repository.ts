import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../database/prisma.service';
import { sql, type Sql } from '../../database/sql';
import { SqlClient } from '../../database/sql-client';
import type { Prisma, WebhookEvent, WebhookEventStatus } from '../../generated/prisma/client';

export interface LedgerEntry {
  stripeEventId: string;
  type: string;
  apiVersion: string | null;
  objectId: string | null;
  stripeCustomerId: string | null;
  stripeCreatedAt: Date;
  /** The event exactly as received (text), stored for replay. */
  payload: string;
}

/** Ignored events recorded by one statement at most. */
const IGNORED_BATCH_LIMIT = 200;

interface PendingIgnored {
  entry: LedgerEntry;
  note: string;
  resolve: (recorded: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * The ledger of Stripe events: one row per event id, whatever the number of deliveries. Its
 * writes are parts of the engine's statements (a new event is recorded in the transaction that
 * applies it, so a failure rolls both back); its reads serve ops (listing, replay, catch-up).
 */
@Injectable()
export class EventLedgerRepository {
  /** Ignored events waiting for the statement that records them (see recordIgnored). */
  private readonly ignored: PendingIgnored[] = [];

  constructor(
    private readonly prisma: PrismaService,
    private readonly db: SqlClient,
  ) {}

  /**
   * Records the event as PROCESSED (the transaction that applies it commits both, or neither);
   * an event that FAILED before (or any, when forced) is taken again with one more attempt.
   * Answers `recorded`: false when the event was already PROCESSED or IGNORED (a duplicate).
   */
  recordStatement(entry: LedgerEntry, force: boolean): Sql {
    return sql`
      INSERT INTO "WebhookEvent" ("id", "stripeEventId", "type", "apiVersion", "objectId", "stripeCustomerId",
                                  "stripeCreatedAt", "receivedAt", "status", "processedAt", "attempts", "payload")
      VALUES (gen_random_uuid(), ${entry.stripeEventId}, ${entry.type}, ${entry.apiVersion}, ${entry.objectId},
              ${entry.stripeCustomerId}, ${entry.stripeCreatedAt}, now(), 'PROCESSED', now(), 1, ${entry.payload}::json)
      ON CONFLICT ("stripeEventId") DO UPDATE SET
        "status" = 'PROCESSED', "processedAt" = now(), "lastError" = NULL,
        "attempts" = "WebhookEvent"."attempts" + 1
      WHERE "WebhookEvent"."status" IN ('FAILED', 'PROCESSING') OR ${force}::boolean
      RETURNING 1`;
  }

  /**
   * Queued mode: records a received event as PROCESSING (waiting for a worker), or takes back
   * one that FAILED. Answers a row only then: the caller queues a job in the same transaction.
   */
  queueStatement(entry: LedgerEntry): Sql {
    return sql`
      INSERT INTO "WebhookEvent" ("id", "stripeEventId", "type", "apiVersion", "objectId", "stripeCustomerId",
                                  "stripeCreatedAt", "receivedAt", "status", "attempts", "payload")
      VALUES (gen_random_uuid(), ${entry.stripeEventId}, ${entry.type}, ${entry.apiVersion}, ${entry.objectId},
              ${entry.stripeCustomerId}, ${entry.stripeCreatedAt}, now(), 'PROCESSING', 0, ${entry.payload}::json)
      ON CONFLICT ("stripeEventId") DO UPDATE SET "status" = 'PROCESSING'
      WHERE "WebhookEvent"."status" = 'FAILED'
      RETURNING 1`;
  }

  /**
   * An event of a type this service does not apply: recorded once as IGNORED, no lock. Answers
   * false when the ledger already had it. Such events are about half of what Stripe sends, so
   * the ones that arrive in the same turn of the event loop are recorded by one statement (one
   * write, one commit) instead of one each.
   */
  recordIgnored(entry: LedgerEntry, note: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.ignored.push({ entry, note, resolve, reject });
      if (this.ignored.length >= IGNORED_BATCH_LIMIT) this.flushIgnored();
      else if (this.ignored.length === 1) setImmediate(() => this.flushIgnored());
    });
  }

  private flushIgnored(): void {
    const batch = this.ignored.splice(0, this.ignored.length);
    if (batch.length === 0) return;
    // The same event delivered twice in one batch: the first delivery is recorded; the others
    // are duplicates, answered once its row is committed (as a second insert would have waited
    // for it), and fail with it.
    const byEvent = new Map<string, PendingIgnored[]>();
    for (const item of batch) {
      const group = byEvent.get(item.entry.stripeEventId);
      if (group === undefined) byEvent.set(item.entry.stripeEventId, [item]);
      else group.push(item);
    }
    const groups = [...byEvent.values()];
    const settle = (group: PendingIgnored[], outcome: Promise<boolean>): void => {
      outcome.then(
        (recorded) => group.forEach((item, index) => item.resolve(index === 0 && recorded)),
        (error: unknown) => group.forEach((item) => item.reject(error)),
      );
    };
    const one = (group: PendingIgnored[]): Promise<boolean> =>
      this.insertIgnoredOne(group[0]).then((recorded) => recorded.size > 0);
    if (groups.length === 1) {
      settle(groups[0], one(groups[0]));
      return;
    }
    const inserted = this.insertIgnored(groups.map((group) => group[0]));
    for (const group of groups) {
      settle(
        group,
        inserted.then(
          (recorded) => recorded.has(group[0].entry.stripeEventId),
          // One bad row must not fail the others: each is then recorded on its own.
          () => one(group),
        ),
      );
    }
  }

  private async insertIgnoredOne({ entry, note }: PendingIgnored): Promise<Set<string>> {
    const rows = await this.db.query<{ stripeEventId: string }>(
      sql`
      INSERT INTO "WebhookEvent" ("id", "stripeEventId", "type", "apiVersion", "objectId", "stripeCustomerId",
                                  "stripeCreatedAt", "receivedAt", "status", "processedAt", "attempts", "payload", "lastError")
      VALUES (gen_random_uuid(), ${entry.stripeEventId}, ${entry.type}, ${entry.apiVersion}, ${entry.objectId},
              ${entry.stripeCustomerId}, ${entry.stripeCreatedAt}, now(), 'IGNORED', now(), 1, ${entry.payload}::json, ${note})
      ON CONFLICT ("stripeEventId") DO NOTHING
      RETURNING "stripeEventId"`,
      'ledger_record_ignored',
    );
    return new Set(rows.map((row) => row.stripeEventId));
  }

  /** Several events, one statement of any size (arrays, so it is prepared once). */
  private async insertIgnored(items: PendingIgnored[]): Promise<Set<string>> {
    const column = <T>(pick: (item: PendingIgnored) => T): T[] => items.map(pick);
    const rows = await this.db.query<{ stripeEventId: string }>(
      sql`
      INSERT INTO "WebhookEvent" ("id", "stripeEventId", "type", "apiVersion", "objectId", "stripeCustomerId",
                                  "stripeCreatedAt", "receivedAt", "status", "processedAt", "attempts", "payload", "lastError")
      SELECT gen_random_uuid(), e.id, e.type, e.api_version, e.object_id, e.customer_id, e.created_at,
             now(), 'IGNORED', now(), 1, e.payload::json, e.note
      FROM unnest(${column((i) => i.entry.stripeEventId)}::text[], ${column((i) => i.entry.type)}::text[],
                  ${column((i) => i.entry.apiVersion)}::text[], ${column((i) => i.entry.objectId)}::text[],
                  ${column((i) => i.entry.stripeCustomerId)}::text[],
                  ${column((i) => i.entry.stripeCreatedAt)}::timestamptz[],
                  ${column((i) => i.entry.payload)}::text[], ${column((i) => i.note)}::text[])
           AS e(id, type, api_version, object_id, customer_id, created_at, payload, note)
      -- Every batch takes its rows' index entries in one order: two batches holding the same
      -- events (a retry, another instance) wait for each other instead of deadlocking.
      ORDER BY e.id
      ON CONFLICT ("stripeEventId") DO NOTHING
      RETURNING "stripeEventId"`,
      'ledger_record_ignored_batch',
    );
    return new Set(rows.map((row) => row.stripeEventId));
  }

  /** Changes the outcome of an event recorded in the same transaction (IGNORED, with why). */
  markStatement(stripeEventId: string, status: 'PROCESSED' | 'IGNORED', note: string | null): Sql {
    return sql`
      UPDATE "WebhookEvent" SET "status" = ${status}::"WebhookEventStatus", "lastError" = ${note}
      WHERE "stripeEventId" = ${stripeEventId}`;
  }

  /** Outside the rolled-back transaction: the failure must survive it. */
  async recordFailure(entry: LedgerEntry, error: string): Promise<void> {
    await this.db.query(
      sql`
      INSERT INTO "WebhookEvent" ("id", "stripeEventId", "type", "apiVersion", "objectId", "stripeCustomerId",
                                  "stripeCreatedAt", "receivedAt", "status", "attempts", "payload", "lastError")
      VALUES (gen_random_uuid(), ${entry.stripeEventId}, ${entry.type}, ${entry.apiVersion}, ${entry.objectId},
              ${entry.stripeCustomerId}, ${entry.stripeCreatedAt}, now(), 'FAILED', 1, ${entry.payload}::json, ${error})
      ON CONFLICT ("stripeEventId") DO UPDATE SET
        "status" = 'FAILED', "attempts" = "WebhookEvent"."attempts" + 1, "lastError" = ${error}
      WHERE "WebhookEvent"."status" NOT IN ('PROCESSED', 'IGNORED')`,
      'ledger_record_failure',
    );
  }

  async statusOf(stripeEventId: string): Promise<WebhookEventStatus | null> {
    const [row] = await this.db.query<{ status: WebhookEventStatus }>(
      sql`SELECT "status" FROM "WebhookEvent" WHERE "stripeEventId" = ${stripeEventId}`,
      'ledger_status_of',
    );
    return row?.status ?? null;
  }

  findByStripeId(stripeEventId: string): Promise<WebhookEvent | null> {
    return this.prisma.webhookEvent.findUnique({ where: { stripeEventId } });
  }

  knownIds(
    stripeEventIds: string[],
  ): Promise<{ stripeEventId: string; status: WebhookEventStatus }[]> {
    return this.prisma.webhookEvent.findMany({
      where: { stripeEventId: { in: stripeEventIds } },
      select: { stripeEventId: true, status: true },
    });
  }

  list(filter: {
    status?: WebhookEventStatus;
    limit: number;
    before?: Date;
  }): Promise<WebhookEvent[]> {
    return this.prisma.webhookEvent.findMany({
      where: {
        status: filter.status,
        receivedAt: filter.before ? { lt: filter.before } : undefined,
      },
      orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
      take: filter.limit,
    });
  }

  async purgeOlderThan(cutoff: Date): Promise<number> {
    const result = await this.prisma.webhookEvent.deleteMany({
      where: { receivedAt: { lt: cutoff }, status: { in: ['PROCESSED', 'IGNORED'] } },
    });
    return result.count;
  }
}

export type { Prisma };
