import { sql, type Sql } from '../../database/sql';
import type { AccountRefForWrite, Ownership } from '../kinds/kind';
import type { StoredStamp } from './state';

/** The account id a Stripe object names, if it is a well-formed UUID. */
export function claimedAccountId(...candidates: (string | null | undefined)[]): string | null {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  return (
    candidates.find((value): value is string => typeof value === 'string' && uuid.test(value)) ??
    null
  );
}

/** What the engine reads under the lock before deciding: one row, one round trip. */
export interface ContextRow {
  recorded: number;
  stateFrom: string | null;
  stateUntil: string | null;
  progress: number[] | null;
  hash: string | null;
  deleted: boolean | null;
  lastEventId: string | null;
  customerAccountId: string | null;
  customerAccountHadTrial: boolean | null;
  claimAccountId: string | null;
  claimAccountCustomer: string | null;
  claimAccountHadTrial: boolean | null;
  intentAccountId: string | null;
  intentAccountHadTrial: boolean | null;
  customerDeleted: boolean;
}

/**
 * The object's watermark and the accounts its state could belong to — read after the lock was
 * taken, so what another transaction of this customer committed is seen. With `record`, the
 * event's ledger insert runs in the same statement and `recorded` says whether it was new.
 */
export function contextStatement(
  objectId: string,
  ownership: Ownership | null,
  record: Sql | null,
): Sql {
  const customerId = ownership?.customerId ?? null;
  const claim = ownership === null ? null : claimedAccountId(...ownership.claims);
  const intent = ownership?.paymentIntentId ?? null;
  return sql`
    WITH rec AS (${record ?? sql`SELECT 1`})
    SELECT (SELECT count(*) FROM rec)::int AS "recorded",
      w."stateFrom"::text AS "stateFrom", w."stateUntil"::text AS "stateUntil", w."progress", w."hash", w."deleted", w."lastEventId",
      ca."id" AS "customerAccountId", ca."hadTrial" AS "customerAccountHadTrial",
      cl."id" AS "claimAccountId", cl."stripeCustomerId" AS "claimAccountCustomer", cl."hadTrial" AS "claimAccountHadTrial",
      pa."id" AS "intentAccountId", pa."hadTrial" AS "intentAccountHadTrial",
      COALESCE(cw."deleted", false) AS "customerDeleted"
    FROM (SELECT 1) AS one
    LEFT JOIN "StripeObjectWatermark" w ON w."stripeId" = ${objectId}
    LEFT JOIN "Account" ca ON ca."stripeCustomerId" = ${customerId}::text
    LEFT JOIN "Account" cl ON cl."id" = ${claim}::uuid
    LEFT JOIN "Account" pa ON pa."id" = (SELECT p."accountId" FROM "Payment" p WHERE p."stripePaymentIntentId" = ${intent}::text)
    LEFT JOIN "StripeObjectWatermark" cw ON cw."stripeId" = ${customerId}::text`;
}

export function storedStampOf(row: ContextRow): StoredStamp | null {
  if (row.stateFrom === null || row.hash === null) return null;
  return {
    bounds: {
      from: Number(row.stateFrom),
      until: row.stateUntil === null ? null : Number(row.stateUntil),
    },
    progress: row.progress ?? [],
    hash: row.hash,
    deleted: row.deleted ?? false,
    lastEventId: row.lastEventId,
  };
}

/**
 * The account a state belongs to: by its customer, else by the account id this service wrote
 * into the object — but only an account that exists, is not linked to another customer, and is
 * not asked to link a customer Stripe has deleted (a deleted customer stays unlinked).
 */
export function resolveAccount(
  row: ContextRow,
  ownership: Ownership | null,
): AccountRefForWrite | null {
  if (ownership === null) return null;
  if (row.customerAccountId !== null)
    return {
      id: row.customerAccountId,
      hadTrial: row.customerAccountHadTrial ?? false,
      linkCustomer: null,
    };
  const customerId = ownership.customerId;
  if (row.claimAccountId !== null) {
    const hadTrial = row.claimAccountHadTrial ?? false;
    if (customerId !== null && row.claimAccountCustomer === null)
      return {
        id: row.claimAccountId,
        hadTrial,
        linkCustomer: row.customerDeleted ? null : customerId,
      };
    // An account already linked to another customer is not re-pointed by a claim.
    if (customerId === null || row.claimAccountCustomer === customerId)
      return { id: row.claimAccountId, hadTrial, linkCustomer: null };
  }
  if (row.intentAccountId !== null)
    return {
      id: row.intentAccountId,
      hadTrial: row.intentAccountHadTrial ?? false,
      linkCustomer: null,
    };
  return null;
}
