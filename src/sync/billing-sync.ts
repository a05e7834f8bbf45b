import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type Stripe from 'stripe';
import type { WebhookEvent, WebhookEventStatus } from '../generated/prisma/client';
import { backgroundSlices } from '../common/background-slices';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { PrismaService } from '../database/prisma.service';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { StripeBudgetExhaustedError } from '../stripe/stripe-budget';
import { withStripePurpose, type StripePurpose } from '../stripe/stripe-call-context';
import { ApplyEngine, type EventOutcome } from './engine/apply-engine';
import { SyncClock } from './engine/sync-clock';
import { SyncEffectsBus, type SyncEffects } from './engine/sync-effects';
import { SyncMetrics } from './engine/sync.metrics';
import type { KindName } from './kinds/kind';
import { kindOfObject } from './kinds/registry';
import { EventLedgerRepository, type LedgerEntry } from './ledger/event-ledger.repository';
import { EventQueue, type EventJob } from './queue/event-queue';
import { ResyncService, type CatalogSyncReport, type ResyncReport } from './resync/resync.service';

export type { EventOutcome, ResyncReport, CatalogSyncReport };

/** What ingest answers: applied now (inline), or recorded and queued for a worker. */
export type ReceiveOutcome = EventOutcome | { status: 'queued' };

/** The event needs Stripe and the budget has no room now: retry later (503 inline). */
export class EventDeferredError extends Error {
  constructor(readonly eventId: string) {
    super(`event ${eventId} deferred: Stripe API budget exhausted`);
    this.name = 'EventDeferredError';
  }
}

/** Applying the event failed; the failure is recorded in the ledger and Stripe should retry. */
export class EventFailedError extends Error {
  constructor(
    readonly eventId: string,
    readonly detail: string,
  ) {
    super(`event ${eventId} failed: ${detail}`);
    this.name = 'EventFailedError';
  }
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // Keep the ledger readable and free of anything secret-shaped.
  return text.replace(/(sk|rk|whsec)_(test_|live_)?[A-Za-z0-9]+/g, '$1_[redacted]').slice(0, 1000);
}

/**
 * The engine's front door: everything outside `src/sync` reaches billing state through here.
 * Ingest hands it verified events; features hand it what Stripe answered their calls; ops
 * replay, catch up and resync through it; caches subscribe to what it committed.
 */
@Injectable()
export class BillingSync implements OnApplicationBootstrap {
  private readonly logger = new Logger(BillingSync.name);

  constructor(
    private readonly engine: ApplyEngine,
    private readonly ledger: EventLedgerRepository,
    private readonly resyncs: ResyncService,
    private readonly effects: SyncEffectsBus,
    private readonly clock: SyncClock,
    private readonly metrics: SyncMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: EventQueue,
    private readonly prisma: PrismaService,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
  ) {}

  /** Queued mode: the job engine starts with the app, and so do this process's workers. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.queue.enabled) return;
    await this.queue.start();
    if (this.config.fleet.queue.workers > 0) await this.queue.work((job) => this.applyQueued(job));
  }

  /**
   * Ingest's door: WEBHOOK_MODE=inline applies the event now; queued records it in the ledger
   * (PROCESSING) and inserts its job in the same transaction, so an answered delivery is never
   * lost and a duplicate delivery (to any instance, at the same moment) queues nothing more.
   * Types this service does not apply are recorded as IGNORED at once either way.
   */
  async receiveEvent(event: Stripe.Event, payload: string): Promise<ReceiveOutcome> {
    if (!this.queue.enabled) return this.applyEvent(event, payload);
    const { kind, entry } = this.engine.read(event, payload);
    if (kind === undefined) return this.applyEvent(event, payload);
    await this.queue.start();
    const client = await this.prisma.pool.connect();
    let broken = false;
    const onBroken = (): void => {
      broken = true;
    };
    client.on('error', onBroken);
    let queued = false;
    try {
      await client.query('BEGIN');
      const { text, values } = this.ledger.queueStatement(entry).toQuery();
      const recorded = await client.query(text, values);
      if ((recorded.rowCount ?? 0) > 0) {
        await this.queue.enqueue(entry.stripeEventId, (sqlText, sqlValues) =>
          client.query(sqlText, sqlValues),
        );
        queued = true;
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.removeListener('error', onBroken);
      client.release(broken);
    }
    this.metrics.event(event.type, queued ? 'queued' : 'duplicate');
    if (queued) {
      this.queue.wake();
      return { status: 'queued' };
    }
    const status = await this.ledger.statusOf(entry.stripeEventId);
    return status === 'PROCESSED' || status === 'IGNORED'
      ? { status: 'duplicate' }
      : { status: 'queued' };
  }

  /**
   * Whether this instance already recorded the event (PROCESSED or IGNORED): its repeat is
   * answered as a duplicate without parsing or applying it again.
   */
  answerKnownDuplicate(eventId: string): boolean {
    return this.engine.answerKnownDuplicate(eventId);
  }

  /**
   * A worker's job: applies the recorded event unless it already was. A deferred or failed
   * event throws, and the job engine retries it with backoff (a failure is in the ledger).
   */
  async applyQueued(job: EventJob): Promise<void> {
    const row = await this.ledger.findByStripeId(job.eventId);
    if (row === null || row.status === 'PROCESSED' || row.status === 'IGNORED') return;
    // A worker's apply is bulk work, as an inline delivery is: it waits for a background slice.
    await backgroundSlices.next();
    const event = row.payload as unknown as Stripe.Event;
    await this.applyEvent(event, JSON.stringify(event));
  }

  /** Jobs waiting or running in queued mode (0 inline). */
  queueDepth(): Promise<number> {
    return this.queue.enabled ? this.queue.depth() : Promise.resolve(0);
  }

  /**
   * Applies one verified Stripe event exactly once (DESIGN §6). `payload` is the body as
   * received. Throws EventDeferredError (Stripe budget) or EventFailedError (recorded FAILED).
   */
  async applyEvent(
    event: Stripe.Event,
    payload: string,
    options: { force?: boolean } = {},
  ): Promise<EventOutcome> {
    try {
      return await this.engine.applyEvent(event, payload, options);
    } catch (error) {
      if (error instanceof StripeBudgetExhaustedError) {
        this.metrics.event(event.type, 'deferred');
        throw new EventDeferredError(event.id);
      }
      this.metrics.event(event.type, 'failed');
      const text = errorText(error);
      this.logger.warn(
        { eventId: event.id, type: event.type, error: text },
        'webhook event failed; Stripe will retry',
      );
      const kind = kindOfObject(event.data.object);
      const entry: LedgerEntry = {
        stripeEventId: event.id,
        type: event.type,
        apiVersion: event.api_version ?? null,
        objectId: (event.data.object as { id?: string }).id ?? null,
        stripeCustomerId: kind?.customerOf(event.data.object as { id: string }) ?? null,
        stripeCreatedAt: new Date(event.created * 1000),
        payload,
      };
      await this.ledger.recordFailure(entry, text).catch((recordError: unknown) => {
        this.logger.error(
          { eventId: event.id, error: errorText(recordError) },
          'could not record the failure',
        );
      });
      throw new EventFailedError(event.id, text);
    }
  }

  /**
   * Makes a Stripe call (user-facing unless said otherwise), then applies the object it
   * answered — outside any transaction, in the engine's short one — and returns it.
   */
  async applyFromStripe<T extends { id: string; object?: string }>(
    call: () => Promise<T>,
    purpose: StripePurpose = 'user',
  ): Promise<T> {
    const startedAt = this.clock.nowSeconds();
    const object = await withStripePurpose(purpose, call);
    if (kindOfObject(object) !== undefined)
      await this.engine.applyObject(object, startedAt, purpose);
    return object;
  }

  /** Fetches one object's current state and applies it (e.g. the checkout return page). */
  async refresh(kind: KindName, id: string, purpose: StripePurpose = 'user'): Promise<void> {
    await this.engine.refresh(kind, id, purpose);
  }

  /** Caches learn here what a committed application changed. */
  onCommitted(listener: (effects: SyncEffects) => void): void {
    this.effects.subscribe(listener);
  }

  resync(trigger: string): Promise<ResyncReport> {
    return this.resyncs.run(trigger);
  }

  syncCatalog(): Promise<CatalogSyncReport> {
    return this.resyncs.syncCatalog();
  }

  // The ledger, for ops.

  listEvents(filter: { status?: WebhookEventStatus; limit: number }): Promise<WebhookEvent[]> {
    return this.ledger.list(filter);
  }

  findEvent(stripeEventId: string): Promise<WebhookEvent | null> {
    return this.ledger.findByStripeId(stripeEventId);
  }

  /** Re-applies a stored event: its object is compared again, so replaying is always safe. */
  async replayEvent(row: WebhookEvent): Promise<EventOutcome> {
    const event = row.payload as unknown as Stripe.Event;
    return this.applyEvent(event, JSON.stringify(event), { force: true });
  }

  /**
   * Missed deliveries: walks Stripe's Events API from `since` and applies, oldest first, every
   * event the ledger lacks or holds as FAILED.
   */
  async catchUp(since: Date): Promise<{ seen: number; appliedIds: string[] }> {
    const events: Stripe.Event[] = [];
    await withStripePurpose('resync', async () => {
      for await (const event of this.stripe.events.list({
        created: { gte: Math.floor(since.getTime() / 1000) },
        limit: 100,
      }))
        events.push(event);
    });
    events.sort((a, b) => a.created - b.created);
    const appliedIds: string[] = [];
    for (let i = 0; i < events.length; i += 100) {
      const batch = events.slice(i, i + 100);
      const known = new Map(
        (await this.ledger.knownIds(batch.map((e) => e.id))).map((k) => [
          k.stripeEventId,
          k.status,
        ]),
      );
      for (const event of batch) {
        const status = known.get(event.id);
        if (status === 'PROCESSED' || status === 'IGNORED') continue;
        await this.applyEvent(event, JSON.stringify(event));
        appliedIds.push(event.id);
      }
    }
    return { seen: events.length, appliedIds };
  }

  async purgeEventsBefore(cutoff: Date): Promise<number> {
    const purged = await this.ledger.purgeOlderThan(cutoff);
    if (purged > 0) this.engine.forgetRecentEvents();
    return purged;
  }

  /** Tests (and ops scripts) that empty the ledger by hand make this instance forget it too. */
  forgetRecentEvents(): void {
    this.engine.forgetRecentEvents();
  }
}
