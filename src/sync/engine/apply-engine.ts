import { Inject, Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { SqlClient, type SqlTransaction } from '../../database/sql-client';
import type { StripePurpose } from '../../stripe/stripe-call-context';
import { EventLedgerRepository, type LedgerEntry } from '../ledger/event-ledger.repository';
import type { KindName, Mapped, StripeKind } from '../kinds/kind';
import { kindNamed, kindOfEvent, kindOfObject } from '../kinds/registry';
import { CatalogDirectory, type DependencyState } from './catalog-directory';
import { notifyStatement } from './fanout';
import { CoalescedFetcher } from './fetcher';
import { contextStatement, resolveAccount, storedStampOf, type ContextRow } from './ownership';
import { statement, watermarkUpsert, type StatementPart } from './rows';
import {
  compareStates,
  eventBounds,
  sameStamp,
  type StateBounds,
  type StateStamp,
  type StoredStamp,
  type Verdict,
} from './state';
import { SyncClock } from './sync-clock';
import { SyncEffects, SyncEffectsBus } from './sync-effects';
import { SyncMetrics } from './sync.metrics';

type AnyKind = StripeKind<{ id: string }, unknown>;

/** The outcome of one event, as the webhook answers it. */
export interface EventOutcome {
  status: 'applied' | 'ignored' | 'duplicate';
  /** Why nothing was written, when nothing could be. */
  reason?: string;
}

/** One state of an object, from an event or from Stripe's API, ready to be compared. */
interface Candidate {
  kind: AnyKind;
  id: string;
  /** null: Stripe no longer has the object. */
  object: { id: string } | null;
  deleted: boolean;
  bounds: StateBounds;
  fetched: boolean;
  /** For a fetched state: the stored stamp read before the fetch left (undefined: not read). */
  storedBeforeFetch?: StoredStamp | null;
}

interface LedgerStep {
  entry: LedgerEntry;
  force: boolean;
}

/**
 * The candidate cannot be ordered against the stored state: thrown to roll the transaction
 * back (the ledger insert with it), caught to fetch and try again.
 */
class Ambiguous extends Error {
  constructor(
    readonly stored: StoredStamp | null,
    readonly readAt: number,
  ) {
    super('the state cannot be ordered against the stored one');
  }
}

type TransactionResult =
  { type: 'duplicate' } | { type: 'done'; outcome: EventOutcome; effects: SyncEffects };

/** Fetches an object may need while its state keeps changing at Stripe, before giving up. */
const MAX_ATTEMPTS = 5;
/** Event ids this instance has recorded (with their types), answered as duplicates with no database work. */
const RECENT_EVENTS = 50_000;

const stampOf = (candidate: Candidate, mapped: Mapped<unknown> | null): StateStamp =>
  mapped === null
    ? { bounds: candidate.bounds, progress: [], hash: 'deleted' }
    : { bounds: candidate.bounds, progress: mapped.progress, hash: mapped.hash };

/**
 * Applies Stripe state exactly once, in any order, with no network inside a transaction
 * (DESIGN §6). For each state it decides outside any transaction whether it needs Stripe (a thin
 * or incomplete payload), then runs one short transaction: the customer's lock and the event's
 * ledger row, the stored watermark read under the lock, the comparison, and one statement of
 * upserts. A state that cannot be ordered against the stored one rolls back and is fetched —
 * coalesced, through the shared budget — and the transaction runs again.
 */
@Injectable()
export class ApplyEngine {
  private readonly logger = new Logger(ApplyEngine.name);
  private readonly recentEvents = new Map<string, string>();

  constructor(
    private readonly db: SqlClient,
    private readonly ledger: EventLedgerRepository,
    private readonly fetcher: CoalescedFetcher,
    private readonly catalog: CatalogDirectory,
    private readonly clock: SyncClock,
    private readonly effectsBus: SyncEffectsBus,
    private readonly metrics: SyncMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Applies one verified event. `payload` is the body as received (stored for replay). Throws
   * on failure (the caller records it and answers 500), and StripeBudgetExhaustedError when the
   * event needs Stripe and the budget has no room (the caller defers it).
   */
  async applyEvent(
    event: Stripe.Event,
    payload: string,
    options: { force?: boolean } = {},
  ): Promise<EventOutcome> {
    const started = process.hrtime.bigint();
    const force = options.force ?? false;
    if (!force && this.recentEvents.has(event.id)) {
      this.metrics.event(event.type, 'duplicate');
      return { status: 'duplicate' };
    }
    this.metrics.event(event.type, 'received');
    this.clock.observeEvent(event.created);
    const { kind, object, entry } = this.read(event, payload);
    if (kind === undefined) {
      // Nothing to replay for a type this service does not apply: the record keeps what names it.
      const stub = JSON.stringify({
        id: event.id,
        object: 'event',
        type: event.type,
        created: event.created,
        api_version: event.api_version ?? null,
        data: { object: { id: entry.objectId } },
      });
      const recorded = await this.ledger.recordIgnored(
        { ...entry, payload: stub },
        'event type not handled',
      );
      const outcome = recorded ? null : await this.duplicateOrRetry(entry);
      if (outcome !== null) return outcome;
      this.remember(event.id, event.type);
      this.metrics.event(event.type, 'ignored');
      return { status: 'ignored', reason: 'event type not handled' };
    }
    const deleted = kind.deletionEvents.includes(event.type) || kind.isDeleted(object);
    const candidate: Candidate | null =
      deleted || kind.isComplete(object)
        ? {
            kind,
            id: object.id,
            object: deleted ? null : object,
            deleted,
            bounds: eventBounds(event.created),
            fetched: false,
          }
        : null;
    const outcome = await this.applyCandidate(kind, object.id, candidate, {
      ledger: { entry, force },
      purpose: 'event-fetch',
      causedBy: event.created,
      lockKey: kind.lockKeyOf(object),
      eventCreated: event.created,
      reason: 'incomplete',
    });
    if (outcome.status !== 'duplicate') this.remember(event.id, event.type);
    this.metrics.event(event.type, outcome.status);
    if (outcome.status === 'applied')
      this.metrics.applied(event.type, started, event.created, this.clock.nowSeconds());
    return outcome;
  }

  /** The event's kind, its object (enriched) and its ledger record. */
  read(
    event: Stripe.Event,
    payload: string,
  ): { kind: AnyKind | undefined; object: { id: string }; entry: LedgerEntry } {
    const kind = kindOfEvent(event.type);
    const raw = event.data.object as { id: string };
    const object = kind?.enrich?.(raw) ?? raw;
    const entry: LedgerEntry = {
      stripeEventId: event.id,
      type: event.type,
      apiVersion: event.api_version ?? null,
      objectId: typeof object.id === 'string' ? object.id : null,
      stripeCustomerId: kind?.customerOf(object) ?? null,
      stripeCreatedAt: new Date(event.created * 1000),
      payload,
    };
    return { kind, object, entry };
  }

  /**
   * Applies an object Stripe just returned to a call made between `startedAt` and now (seconds,
   * this service's clock): a command's answer, a listed object in a resync.
   */
  async applyObject(
    received: { id: string; object?: string },
    startedAt: number,
    purpose: StripePurpose,
    options: { repair?: boolean } = {},
  ): Promise<EventOutcome> {
    const kind = kindOfObject(received);
    if (kind === undefined) throw new Error(`no Stripe kind for object ${String(received.object)}`);
    const object = kind.enrich?.(received) ?? received;
    const deleted = kind.isDeleted(object);
    const complete = deleted || kind.isComplete(object);
    const candidate: Candidate | null = complete
      ? {
          kind,
          id: object.id,
          object: deleted ? null : object,
          deleted,
          bounds: this.clock.fetchBounds(startedAt, this.clock.nowSeconds()),
          fetched: true,
        }
      : null;
    return this.applyCandidate(kind, object.id, candidate, {
      ledger: null,
      purpose,
      eventCreated: null,
      reason: 'incomplete',
      repair: options.repair,
    });
  }

  /** Fetches an object's current state and applies it (a return page, a replay, a refresh). */
  async refresh(kindName: KindName, id: string, purpose: StripePurpose): Promise<EventOutcome> {
    return this.applyCandidate(kindNamed(kindName), id, null, {
      ledger: null,
      purpose,
      eventCreated: null,
      reason: 'refresh',
    });
  }

  private async applyCandidate(
    kind: AnyKind,
    id: string,
    initial: Candidate | null,
    options: {
      ledger: LedgerStep | null;
      purpose: StripePurpose;
      causedBy?: number;
      /** Default: the lock of the state's own object (its customer, or the catalog). */
      lockKey?: string;
      eventCreated: number | null;
      reason: string;
      /** Resync: rewrite rows even when the state is the stored one (they may have drifted). */
      repair?: boolean;
    },
  ): Promise<EventOutcome> {
    let candidate = initial;
    let storedBeforeFetch: StoredStamp | null | undefined;
    let notBefore = performance.now();
    let reason = options.reason;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (candidate === null) {
        const fetched = await this.fetcher.fetch(kind, id, {
          notBefore,
          purpose: options.purpose,
          maxWaitMs:
            options.purpose === 'event-fetch'
              ? this.config.stripe.budget.eventFetchMaxWaitMs
              : undefined,
          reason,
        });
        const deleted = fetched.object === null || kind.isDeleted(fetched.object);
        candidate = {
          kind,
          id,
          object: deleted ? null : fetched.object,
          deleted,
          bounds: this.clock.fetchBounds(fetched.startedAt, fetched.endedAt, options.causedBy),
          fetched: true,
          storedBeforeFetch,
        };
      }
      const mapped = candidate.object === null ? null : kind.map(candidate.object);
      if (mapped !== null)
        await this.catalog.ensure(
          mapped.dependencies,
          candidate.bounds,
          options.purpose,
          (dependency) => this.applyObjectState(dependency),
        );
      const current = candidate;
      const lockKey =
        options.lockKey ??
        (current.object === null ? `object:${id}` : kind.lockKeyOf(current.object));
      let result: TransactionResult;
      try {
        result = await this.db.transaction(lockKey, (tx) =>
          this.decideAndWrite(tx, current, mapped, options),
        );
      } catch (error) {
        if (!(error instanceof Ambiguous)) throw error;
        storedBeforeFetch = error.stored;
        notBefore = error.readAt;
        candidate = null;
        reason = 'ambiguous';
        continue;
      }
      if (result.type === 'duplicate') return { status: 'duplicate' };
      this.effectsBus.publish(result.effects);
      return result.outcome;
    }
    throw new Error(`${kind.name} ${id} kept changing while it was being applied`);
  }

  /** A catalog object a state refers to, applied in its own short transaction. */
  private async applyObjectState(dependency: DependencyState): Promise<void> {
    const kind = kindOfObject(dependency.object);
    if (kind === undefined) return;
    await this.applyCandidate(
      kind,
      dependency.object.id,
      {
        kind,
        id: dependency.object.id,
        object: dependency.object,
        deleted: kind.isDeleted(dependency.object),
        bounds: dependency.bounds,
        fetched: false,
      },
      { ledger: null, purpose: dependency.purpose, eventCreated: null, reason: 'dependency' },
    );
  }

  private async decideAndWrite(
    tx: SqlTransaction,
    candidate: Candidate,
    mapped: Mapped<unknown> | null,
    options: { ledger: LedgerStep | null; eventCreated: number | null; repair?: boolean },
  ): Promise<TransactionResult> {
    const { kind } = candidate;
    const { ledger, eventCreated } = options;
    const ownership = mapped?.ownership ?? {
      customerId: candidate.deleted && kind.name === 'customer' ? candidate.id : null,
      claims: [],
    };
    const record = ledger === null ? null : this.ledger.recordStatement(ledger.entry, ledger.force);
    const [context] = await tx.query<ContextRow>(
      contextStatement(candidate.id, ownership, record),
      record === null ? 'sync_context' : 'sync_context_ledger',
    );
    const readAt = performance.now();
    if (context.recorded === 0) return { type: 'duplicate' };

    const stored = storedStampOf(context);
    const stamp = stampOf(candidate, mapped);
    let verdict: Verdict;
    if (candidate.deleted) verdict = stored?.deleted === true ? 'same' : 'apply';
    else if (stored?.deleted === true) verdict = 'stale';
    else verdict = compareStates(stamp, stored);
    // A fetch that left after the stored state was read is at least as new as that state.
    if (
      verdict === 'ambiguous' &&
      candidate.fetched &&
      candidate.storedBeforeFetch !== undefined &&
      sameStamp(stored, candidate.storedBeforeFetch)
    )
      verdict = 'apply';
    this.metrics.verdict(kind.name, verdict);
    if (verdict === 'ambiguous') throw new Ambiguous(stored, readAt);
    // A resync rewrites what it found equal: the rows themselves may have drifted.
    if (verdict === 'same' && options.repair === true) verdict = 'apply';

    const effects = new SyncEffects();
    const account = resolveAccount(context, ownership);
    if (verdict !== 'apply') {
      if (account !== null) effects.accounts.add(account.id);
      return { type: 'done', outcome: { status: 'applied' }, effects };
    }

    const parts: StatementPart[] = [];
    let outcome: EventOutcome = { status: 'applied' };
    if (mapped === null) {
      const missing = kind.writeMissing?.(candidate.id);
      if (missing === undefined) {
        outcome = { status: 'ignored', reason: 'object Stripe no longer has' };
      } else {
        parts.push(...missing);
        parts.push(watermarkUpsert(kind.name, candidate.id, stamp, { deleted: true }));
        if (context.customerAccountId !== null) effects.accounts.add(context.customerAccountId);
        effects.catalogChanged = kind.catalog;
      }
    } else if (mapped.requiresAccount !== null && account === null) {
      outcome = { status: 'ignored', reason: mapped.requiresAccount };
    } else {
      parts.push(
        ...kind.write(mapped.row, { account, bounds: candidate.bounds, eventCreated }),
        watermarkUpsert(kind.name, candidate.id, stamp, {
          eventId: ledger?.entry.stripeEventId ?? null,
        }),
      );
      if (account !== null) effects.accounts.add(account.id);
      effects.catalogChanged = kind.catalog;
    }
    if (outcome.status === 'ignored' && ledger !== null)
      parts.push(
        this.ledger.markStatement(ledger.entry.stripeEventId, 'IGNORED', outcome.reason ?? null),
      );
    // Other instances learn at commit what changed (their caches), never on a rollback.
    if (parts.length > 0) await tx.finish(statement(parts, notifyStatement(effects)), true);
    return { type: 'done', outcome, effects };
  }

  /** The ledger already had the event: a duplicate, unless it had failed (then it is retried). */
  private async duplicateOrRetry(entry: LedgerEntry): Promise<EventOutcome | null> {
    const status = await this.ledger.statusOf(entry.stripeEventId);
    if (status === 'PROCESSED' || status === 'IGNORED') {
      this.remember(entry.stripeEventId, entry.type);
      return { status: 'duplicate' };
    }
    await this.db.query(
      this.ledger.markStatement(entry.stripeEventId, 'IGNORED', 'event type not handled'),
    );
    return null;
  }

  private remember(eventId: string, type: string): void {
    if (this.recentEvents.size >= RECENT_EVENTS) this.recentEvents.clear();
    this.recentEvents.set(eventId, type);
  }

  /**
   * A repeat of an event this instance recorded (PROCESSED or IGNORED), answered before its body
   * is even parsed: counted as a duplicate of its type. False when not known here (the ledger
   * decides then).
   */
  answerKnownDuplicate(eventId: string): boolean {
    const type = this.recentEvents.get(eventId);
    if (type === undefined) return false;
    this.metrics.event(type, 'duplicate');
    return true;
  }

  /** Forgets remembered events (after the ledger was purged, and in tests). */
  forgetRecentEvents(): void {
    this.recentEvents.clear();
  }
}
