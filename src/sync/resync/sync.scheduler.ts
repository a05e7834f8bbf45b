import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { IdempotencyRepository } from '../../idempotency/idempotency.repository';
import { BillingSync } from '../billing-sync';
import { EventQueue } from '../queue/event-queue';

/** The job engine's schedule for the nightly work (queued mode). */
export const SYNC_SCHEDULE = 'billing-sync';

/**
 * The scheduled resync (SYNC_CRON), the ledger's retention purge (WEBHOOK_RETENTION_DAYS) and
 * the purge of idempotency keys past their 24 h. In queued mode the job engine's schedule runs
 * it once per fleet (whichever instance or worker takes the job); inline, this process's cron
 * runs it (one instance).
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(SyncScheduler.name);

  constructor(
    private readonly sync: BillingSync,
    private readonly idempotency: IdempotencyRepository,
    private readonly registry: SchedulerRegistry,
    private readonly queue: EventQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.queue.enabled) {
      await this.queue.schedule(SYNC_SCHEDULE, this.config.sync.cron, () => this.tick());
      return;
    }
    const job = CronJob.from({
      cronTime: this.config.sync.cron,
      onTick: () => this.tick(),
      timeZone: 'UTC',
    });
    this.registry.addCronJob('billing-sync', job);
    job.start();
  }

  /** One run: failures are logged (and visible in /metrics), never thrown into the scheduler. */
  async tick(): Promise<void> {
    try {
      const report = await this.sync.resync('schedule');
      this.logger.log(
        { driftCount: report.driftCount, scanned: report.scanned },
        'scheduled resync finished',
      );
    } catch (error) {
      this.logger.error({ error: (error as Error).message }, 'scheduled resync failed');
    }
    const cutoff = new Date(Date.now() - this.config.sync.webhookRetentionDays * 86_400_000);
    const purged = await this.sync.purgeEventsBefore(cutoff).catch(() => 0);
    const keys = await this.idempotency.purgeExpired(new Date()).catch(() => 0);
    if (purged + keys > 0)
      this.logger.log(
        { purged, expiredIdempotencyKeys: keys },
        'purged old webhook events and idempotency keys',
      );
  }
}
