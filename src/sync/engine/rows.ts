import { join, raw, Sql, sql } from '../../database/sql';
import type { AccountRefForWrite } from '../kinds/kind';
import type { StateStamp } from './state';

/**
 * Statement parts every kind's write shares: the object's watermark and the account's link to
 * its Stripe customer. Each is a CTE body; a write joins them with its own rows.
 */
export function watermarkUpsert(
  kind: string,
  stripeId: string,
  stamp: StateStamp,
  options: { deleted?: boolean; eventId?: string | null } = {},
): Sql {
  return sql`
    INSERT INTO "StripeObjectWatermark" ("stripeId", "kind", "stateFrom", "stateUntil", "progress", "hash", "deleted", "lastEventId", "updatedAt")
    VALUES (${stripeId}, ${kind}, ${stamp.bounds.from}, ${stamp.bounds.until}, ${stamp.progress}::int[], ${stamp.hash},
            ${options.deleted ?? false}, ${options.eventId ?? null}, now())
    ON CONFLICT ("stripeId") DO UPDATE SET
      "kind" = EXCLUDED."kind", "stateFrom" = EXCLUDED."stateFrom", "stateUntil" = EXCLUDED."stateUntil",
      "progress" = EXCLUDED."progress", "hash" = EXCLUDED."hash", "deleted" = EXCLUDED."deleted",
      "lastEventId" = EXCLUDED."lastEventId", "updatedAt" = now()`;
}

/**
 * Links the account to its customer on first sight (never re-points one linked elsewhere) and
 * remembers that it has had a subscription or trial: one UPDATE, so the row changes once.
 */
export function accountUpdate(account: AccountRefForWrite, hadSubscription: boolean): Sql | null {
  const trial = hadSubscription && !account.hadTrial;
  if (account.linkCustomer === null && !trial) return null;
  return sql`
    UPDATE "Account" SET
      "stripeCustomerId" = CASE WHEN "stripeCustomerId" IS NULL THEN COALESCE(${account.linkCustomer}::text, "stripeCustomerId") ELSE "stripeCustomerId" END,
      "hadTrial" = "hadTrial" OR ${trial}::boolean,
      "updatedAt" = now()
    WHERE "id" = ${account.id}::uuid
      AND ((${account.linkCustomer}::text IS NOT NULL AND "stripeCustomerId" IS NULL) OR (${trial}::boolean AND NOT "hadTrial"))`;
}

/** A part of a statement; name it to refer to its RETURNING rows from a later part. */
export type StatementPart = Sql | { name: string; sql: Sql } | null;

/**
 * `WITH w0 AS (…), w1 AS (…) SELECT 1`: the parts run in one statement (one round trip).
 * `last` replaces the final `SELECT 1` (a `SELECT pg_notify(…)`, which a CTE would not run).
 */
export function statement(parts: StatementPart[], last: Sql | null = null): Sql {
  const present = parts.filter((part): part is Sql | { name: string; sql: Sql } => part !== null);
  const final = last ?? sql`SELECT 1`;
  if (present.length === 0) return final;
  const ctes = present.map((part, index) =>
    part instanceof Sql
      ? sql`${raw(`w${index}`)} AS (${part})`
      : sql`${raw(part.name)} AS (${part.sql})`,
  );
  return sql`WITH ${join(ctes)} ${final}`;
}
