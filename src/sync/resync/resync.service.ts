import { Inject, Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { CLOCK, type Clock } from '../../clock/clock';
import { MetricsRegistry } from '../../common/metrics.registry';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { sql } from '../../database/sql';
import { SqlClient } from '../../database/sql-client';
import { ApiError } from '../../errors/api-error';
import type { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../database/prisma.service';
import { STRIPE_CLIENT } from '../../stripe/stripe.module';
import { withStripePurpose } from '../../stripe/stripe-call-context';
import { ApplyEngine } from '../engine/apply-engine';
import { notifyStatement } from '../engine/fanout';
import { SyncClock } from '../engine/sync-clock';
import { SyncEffects, SyncEffectsBus } from '../engine/sync-effects';
import type { KindName, StripeKind } from '../kinds/kind';
import { KINDS } from '../kinds/registry';
import { DRIFT_SECTIONS, driftedSections, emptyDrift, type DriftReport } from './drift';

type Scanned = Record<
  | 'products'
  | 'prices'
  | 'customers'
  | 'subscriptions'
  | 'invoices'
  | 'checkoutSessions'
  | 'refunds'
  | 'paymentMethods',
  number
>;

export interface ResyncReport {
  trigger: string;
  startedAt: Date;
  finishedAt: Date;
  /** Stripe objects looked at, by kind. */
  scanned: Scanned;
  /** Local rows that were missing or differed from Stripe and are now repaired. */
  drift: DriftReport;
  driftCount: number;
}

export interface CatalogSyncReport {
  products: number;
  prices: number;
  /** Local rows Stripe no longer has, now marked deleted. */
  removed: string[];
}

const SCANNED_BY_KIND: Record<KindName, keyof Scanned> = {
  product: 'products',
  price: 'prices',
  customer: 'customers',
  tax_id: 'customers',
  subscription: 'subscriptions',
  invoice: 'invoices',
  checkout_session: 'checkoutSessions',
  charge: 'refunds',
  payment_method: 'paymentMethods',
};

/**
 * Walks Stripe and repairs the local copy (DESIGN §6 ops): every kind of the registry that can
 * list itself, the catalog first. Each listed object is applied through the engine like any
 * other state (never under a lock while Stripe is asked), with its rows read before and after,
 * so the report names exactly what was out of step.
 */
@Injectable()
export class ResyncService {
  private readonly logger = new Logger(ResyncService.name);
  private running = false;

  constructor(
    private readonly engine: ApplyEngine,
    private readonly db: SqlClient,
    private readonly prisma: PrismaService,
    private readonly effects: SyncEffectsBus,
    private readonly syncClock: SyncClock,
    private readonly metrics: MetricsRegistry,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(trigger: string): Promise<ResyncReport> {
    if (this.running) throw new ApiError('SYNC_IN_PROGRESS');
    this.running = true;
    const run = await this.prisma.syncRun.create({ data: { trigger }, select: { id: true } });
    try {
      const report = await withStripePurpose('resync', () => this.walk(trigger));
      await this.prisma.syncRun.update({
        where: { id: run.id },
        data: {
          finishedAt: new Date(),
          succeeded: true,
          report: JSON.parse(JSON.stringify(report)) as Prisma.InputJsonValue,
        },
      });
      this.metrics.lastSyncSuccess.set(report.finishedAt.getTime() / 1000);
      for (const kind of DRIFT_SECTIONS)
        this.metrics.driftFound.set({ kind }, report.drift[kind].length);
      if (report.driftCount > 0)
        this.logger.warn({ drift: report.drift }, `resync repaired ${report.driftCount} rows`);
      return report;
    } catch (error) {
      await this.prisma.syncRun
        .update({
          where: { id: run.id },
          data: {
            finishedAt: new Date(),
            succeeded: false,
            error: (error as Error).message.slice(0, 1000),
          },
        })
        .catch(() => undefined);
      throw error;
    } finally {
      this.running = false;
    }
  }

  /**
   * Mirrors Stripe's whole catalog (active and archived), so that a fresh database shows the
   * plans at once and a missed product or price event is repaired.
   */
  async syncCatalog(): Promise<CatalogSyncReport> {
    const drift = emptyDrift();
    const scanned = { products: 0, prices: 0 } as Scanned;
    const removed = await withStripePurpose('startup', () => this.walkCatalog(drift, scanned));
    return { products: scanned.products, prices: scanned.prices, removed };
  }

  private async walk(trigger: string): Promise<ResyncReport> {
    const startedAt = new Date();
    const drift = emptyDrift();
    const scanned: Scanned = {
      products: 0,
      prices: 0,
      customers: 0,
      subscriptions: 0,
      invoices: 0,
      checkoutSessions: 0,
      refunds: 0,
      paymentMethods: 0,
    };
    const since =
      Math.floor(this.clock.now().getTime() / 1000) - this.config.sync.lookbackDays * 86_400;
    for (const id of await this.walkCatalog(drift, scanned))
      (id.startsWith('price_') ? drift.prices : drift.products).push(id);
    for (const kind of KINDS) {
      if (kind.catalog || kind.list === undefined) continue;
      await this.walkKind(kind, since, drift, scanned);
    }
    const driftCount = DRIFT_SECTIONS.reduce((sum, kind) => sum + drift[kind].length, 0);
    return { trigger, startedAt, finishedAt: new Date(), scanned, drift, driftCount };
  }

  /** Products and prices, then every live one Stripe did not list is marked deleted. */
  private async walkCatalog(drift: DriftReport, scanned: Scanned): Promise<string[]> {
    const listedAt = this.syncClock.nowSeconds();
    const seen: Record<'product' | 'price', string[]> = { product: [], price: [] };
    for (const kind of KINDS) {
      if (!kind.catalog || kind.list === undefined) continue;
      await this.walkKind(kind, 0, drift, scanned, (id) =>
        seen[kind.name as 'product' | 'price'].push(id),
      );
    }
    const catalogChanged = new SyncEffects();
    catalogChanged.catalogChanged = true;
    // Only rows older than the listing: one created meanwhile (and written by its own webhook)
    // was not in the lists, and is not gone.
    const gone = await this.db.transaction('catalog', async (tx) => {
      const prices = await tx.query<{ id: string }>(sql`
        UPDATE "Price" SET "active" = false, "deleted" = true, "stripeSyncedAt" = now(), "updatedAt" = now()
        WHERE "deleted" = false AND NOT ("id" = ANY(${seen.price}::text[]))
          AND "createdAt" < to_timestamp(${listedAt})
        RETURNING "id"`);
      const products = await tx.query<{ id: string }>(sql`
        UPDATE "Product" SET "active" = false, "deleted" = true, "stripeSyncedAt" = now(), "updatedAt" = now()
        WHERE "deleted" = false AND NOT ("id" = ANY(${seen.product}::text[]))
          AND "createdAt" < to_timestamp(${listedAt})
        RETURNING "id"`);
      const ids = [...products, ...prices].map((row) => row.id);
      const notify = notifyStatement(catalogChanged);
      if (ids.length > 0 && notify !== null) await tx.query(notify);
      return ids;
    });
    if (gone.length > 0) this.effects.publish(catalogChanged);
    return gone;
  }

  private async walkKind(
    kind: StripeKind<{ id: string }, unknown>,
    since: number,
    drift: DriftReport,
    scanned: Scanned,
    seen?: (id: string) => void,
  ): Promise<void> {
    const { list } = kind;
    if (list === undefined) return;
    const listedAt = this.syncClock.nowSeconds();
    for await (const object of list(this.stripe, since)) {
      scanned[SCANNED_BY_KIND[kind.name]] += 1;
      seen?.(object.id);
      const before = await this.snapshot(kind, object.id);
      await this.engine.applyObject(object, listedAt, 'resync', { repair: true });
      const after = await this.snapshot(kind, object.id);
      for (const section of driftedSections(before, after))
        if (!drift[section].includes(object.id)) drift[section].push(object.id);
    }
  }

  private snapshot(
    kind: StripeKind<{ id: string }, unknown>,
    id: string,
  ): Promise<Partial<Record<(typeof DRIFT_SECTIONS)[number], unknown>>> {
    const { snapshot } = kind;
    if (snapshot === undefined) return Promise.resolve({});
    return this.db.transaction(null, (tx) => snapshot(tx, id));
  }
}
