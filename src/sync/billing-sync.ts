import { Inject, Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import type { WebhookEvent, WebhookEventStatus } from '../generated/prisma/client';
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
import { ResyncService, type CatalogSyncReport, type ResyncReport } from './resync/resync.service';

export type { EventOutcome, ResyncReport, CatalogSyncReport };

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
export class BillingSync {
  private readonly logger = new Logger(BillingSync.name);

  constructor(
    private readonly engine: ApplyEngine,
    private readonly ledger: EventLedgerRepository,
    private readonly resyncs: ResyncService,
    private readonly effects: SyncEffectsBus,
    private readonly clock: SyncClock,
    private readonly metrics: SyncMetrics,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
  ) {}

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
