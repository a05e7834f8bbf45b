import { Inject, Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { CLOCK, type Clock } from '../clock/clock';
import type { Prisma } from '../generated/prisma/client';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ApiError } from '../errors/api-error';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { BillingSyncService, SyncEffects } from './billing-sync.service';
import { CatalogSyncService } from './catalog-sync.service';
import { emptyDrift, type DriftKind, type DriftReport, type Snapshot } from './drift';
import { idOf } from './stripe-ids';
import { SyncEffectsBus } from './sync-effects.bus';
import { SyncRepository, type Tx } from './sync.repository';

export interface ResyncReport {
  trigger: string;
  startedAt: Date;
  finishedAt: Date;
  /** Stripe objects looked at, by kind. */
  scanned: Record<
    | 'products'
    | 'prices'
    | 'customers'
    | 'subscriptions'
    | 'invoices'
    | 'checkoutSessions'
    | 'refunds',
    number
  >;
  /** Local rows that were missing or differed from Stripe and are now repaired. */
  drift: DriftReport;
  driftCount: number;
}

const DRIFT_KINDS: DriftKind[] = [
  'products',
  'prices',
  'subscriptions',
  'payments',
  'checkoutSessions',
  'purchases',
];

/**
 * Walks Stripe and repairs the local copy (DESIGN §6 ops): the catalog, every customer's
 * subscriptions of every status, and recent invoices, checkout sessions and refunds. Each
 * object is applied through the same locked, re-fetching path as webhooks, and compared before
 * and after so the report names exactly what was out of step.
 */
@Injectable()
export class ResyncService {
  private readonly logger = new Logger(ResyncService.name);
  private running = false;

  constructor(
    private readonly repo: SyncRepository,
    private readonly sync: BillingSyncService,
    private readonly catalog: CatalogSyncService,
    private readonly effectsBus: SyncEffectsBus,
    private readonly metrics: MetricsRegistry,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(trigger: string): Promise<ResyncReport> {
    if (this.running) throw new ApiError('SYNC_IN_PROGRESS');
    this.running = true;
    const runId = await this.repo.startSyncRun(trigger);
    try {
      const report = await this.walk(trigger);
      await this.repo.finishSyncRun(
        runId,
        JSON.parse(JSON.stringify(report)) as Prisma.InputJsonValue,
      );
      this.metrics.lastSyncSuccess.set(report.finishedAt.getTime() / 1000);
      for (const kind of DRIFT_KINDS)
        this.metrics.driftFound.set({ kind }, report.drift[kind].length);
      if (report.driftCount > 0)
        this.logger.warn({ drift: report.drift }, `resync repaired ${report.driftCount} rows`);
      return report;
    } catch (error) {
      await this.repo.failSyncRun(runId, (error as Error).message).catch(() => undefined);
      throw error;
    } finally {
      this.running = false;
    }
  }

  private async walk(trigger: string): Promise<ResyncReport> {
    const startedAt = new Date();
    const drift = emptyDrift();
    const scanned: ResyncReport['scanned'] = {
      products: 0,
      prices: 0,
      customers: 0,
      subscriptions: 0,
      invoices: 0,
      checkoutSessions: 0,
      refunds: 0,
    };
    const since =
      Math.floor(this.clock.now().getTime() / 1000) - this.config.sync.lookbackDays * 86_400;

    await this.applyCompared('catalog', drift, async (tx, effects, compare) => {
      const { products, prices } = await this.catalog.fetchCatalog();
      scanned.products = products.length;
      scanned.prices = prices.length;
      for (const product of products)
        await compare(product.id, () => this.sync.applyProduct(tx, product, effects));
      for (const price of prices)
        await compare(price.id, () => this.sync.applyPrice(tx, price, effects));
      const removed = await this.repo.markCatalogDeletedExcept(
        tx,
        products.map((p) => p.id),
        prices.map((p) => p.id),
      );
      for (const id of removed) (id.startsWith('price_') ? drift.prices : drift.products).push(id);
    });

    for await (const customer of this.stripe.customers.list({ limit: 100 })) {
      scanned.customers += 1;
      await this.applyCompared(`customer:${customer.id}`, drift, async (tx, effects, compare) => {
        for await (const subscription of this.stripe.subscriptions.list({
          customer: customer.id,
          status: 'all',
          limit: 100,
        })) {
          scanned.subscriptions += 1;
          await compare(subscription.id, () =>
            this.sync.syncSubscription(tx, subscription, effects),
          );
        }
      });
    }

    for await (const invoice of this.stripe.invoices.list({
      created: { gte: since },
      limit: 100,
    })) {
      if (invoice.id === undefined) continue;
      const invoiceId = invoice.id;
      scanned.invoices += 1;
      await this.applyCompared(
        this.lockFor(idOf(invoice.customer), invoiceId),
        drift,
        (tx, effects, compare) =>
          compare(invoiceId, () => this.sync.syncInvoice(tx, invoiceId, effects)),
      );
    }

    for await (const session of this.stripe.checkout.sessions.list({
      created: { gte: since },
      limit: 100,
    })) {
      scanned.checkoutSessions += 1;
      await this.applyCompared(
        this.lockFor(idOf(session.customer), session.id),
        drift,
        (tx, effects, compare) =>
          compare(session.id, () => this.sync.syncCheckoutSession(tx, session.id, effects)),
      );
    }

    for await (const refund of this.stripe.refunds.list({ created: { gte: since }, limit: 100 })) {
      scanned.refunds += 1;
      const chargeId = idOf(refund.charge);
      if (chargeId === null) continue;
      // The same lock as the customer's webhooks, so a refund never races its checkout session.
      const { customer } = await this.stripe.charges.retrieve(chargeId);
      await this.applyCompared(
        this.lockFor(idOf(customer), chargeId),
        drift,
        async (tx, effects) => {
          const before = await this.repo.refundPaymentSnapshot(tx, [refund.id]);
          await this.sync.syncCharge(tx, chargeId, effects);
          const after = await this.repo.refundPaymentSnapshot(tx, [refund.id]);
          if (JSON.stringify(before) !== JSON.stringify(after)) drift.payments.push(refund.id);
        },
      );
    }

    const driftCount = DRIFT_KINDS.reduce((sum, kind) => sum + drift[kind].length, 0);
    return { trigger, startedAt, finishedAt: new Date(), scanned, drift, driftCount };
  }

  private lockFor(customerId: string | null, objectId: string): string {
    return customerId === null ? `object:${objectId}` : `customer:${customerId}`;
  }

  /**
   * One locked transaction; `compare` snapshots the rows of a Stripe id around an apply and
   * records each kind whose rows changed. Effects are published after commit, as for webhooks.
   */
  private async applyCompared(
    lockKey: string,
    drift: DriftReport,
    work: (
      tx: Tx,
      effects: SyncEffects,
      compare: (stripeId: string, apply: () => Promise<void>) => Promise<void>,
    ) => Promise<void>,
  ): Promise<void> {
    const effects = new SyncEffects();
    await this.repo.inLockedTransaction(lockKey, (tx) =>
      work(tx, effects, async (stripeId, apply) => {
        const before = await this.repo.snapshotRows(tx, stripeId);
        await apply();
        const after = await this.repo.snapshotRows(tx, stripeId);
        for (const kind of DRIFT_KINDS) {
          if (differs(before[kind], after[kind]) && !drift[kind].includes(stripeId))
            drift[kind].push(stripeId);
        }
      }),
    );
    this.effectsBus.publish(effects);
  }
}

function differs(before: Snapshot, after: Snapshot): boolean {
  return before !== after;
}
