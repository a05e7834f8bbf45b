import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { IdempotencyRepository } from '../../idempotency/idempotency.repository';
import { BillingSync } from '../billing-sync';

/**
 * The scheduled resync (SYNC_CRON), the ledger's retention purge (WEBHOOK_RETENTION_DAYS) and
 * the purge of idempotency keys past their 24 h.
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(SyncScheduler.name);

  constructor(
    private readonly sync: BillingSync,
    private readonly idempotency: IdempotencyRepository,
    private readonly registry: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
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
