import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import PgBoss from 'pg-boss';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { PrismaService } from '../../database/prisma.service';

/** The job engine's schema in the service's database (created and migrated by pg-boss). */
export const QUEUE_SCHEMA = 'pgboss';
/** One job per received Stripe event that still has to be applied: `{ eventId }`. */
export const EVENT_QUEUE = 'stripe-event';

export interface EventJob {
  eventId: string;
}

/** Runs one statement on the connection of an open transaction (the ledger insert's). */
export type TransactionExecutor = (text: string, values: unknown[]) => Promise<{ rows: unknown[] }>;

/**
 * The durable queue behind WEBHOOK_MODE=queued, on pg-boss (PostgreSQL, its own schema, its own
 * small pool): an event's job is inserted in the transaction that records the event in the
 * ledger; workers take jobs with `SKIP LOCKED`, a failed job is retried with exponential backoff,
 * a job whose worker died is handed to another once QUEUE_JOB_TIMEOUT_SECONDS have passed, and
 * cron schedules fire once per fleet. Started only in queued mode (`start`).
 */
@Injectable()
export class EventQueue implements OnModuleDestroy {
  private readonly logger = new Logger(EventQueue.name);
  private boss: PgBoss | null = null;
  private starting: Promise<PgBoss> | null = null;
  private readonly workerIds: string[] = [];
  private nextWake = 0;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get enabled(): boolean {
    return this.config.fleet.webhookMode === 'queued';
  }

  /** Connects, installs or migrates the schema (once, under pg-boss's own lock), makes queues. */
  start(): Promise<PgBoss> {
    this.starting ??= (async () => {
      const { queue } = this.config.fleet;
      const boss = new PgBoss({
        connectionString: this.prisma.pool.options.connectionString,
        application_name: 'billing-queue',
        schema: QUEUE_SCHEMA,
        max: queue.poolSize,
        expireInSeconds: queue.jobTimeoutSeconds,
        retryLimit: queue.retryLimit,
        retryDelay: queue.retryDelaySeconds,
        retryBackoff: true,
        maintenanceIntervalSeconds: queue.maintenanceSeconds,
        monitorStateIntervalSeconds: 60,
        // Completed jobs are kept a day (the ledger is the record; jobs are only work).
        archiveCompletedAfterSeconds: 3_600,
        deleteAfterDays: 1,
      });
      boss.on('error', (error: Error) =>
        this.logger.warn({ error: error.message }, 'job queue error'),
      );
      await boss.start();
      await boss.createQueue(EVENT_QUEUE, {
        name: EVENT_QUEUE,
        policy: 'standard',
        retryLimit: queue.retryLimit,
        retryDelay: queue.retryDelaySeconds,
        retryBackoff: true,
        expireInSeconds: queue.jobTimeoutSeconds,
      });
      this.boss = boss;
      return boss;
    })();
    return this.starting;
  }

  async onModuleDestroy(): Promise<void> {
    const boss = this.boss;
    this.boss = null;
    if (boss === null) return;
    // Workers finish the jobs they hold (within the shutdown timeout); what they do not finish
    // expires and is taken by another instance.
    await boss
      .stop({ graceful: true, wait: true, timeout: Math.max(this.config.shutdownTimeoutMs, 1) })
      .catch((error: unknown) =>
        this.logger.warn({ error: (error as Error).message }, 'job queue did not stop cleanly'),
      );
  }

  /** Inserts the event's job on the given transaction's connection (committed with it). */
  async enqueue(eventId: string, execute: TransactionExecutor): Promise<void> {
    const boss = await this.start();
    const job: EventJob = { eventId };
    await boss.send(EVENT_QUEUE, job, {
      db: { executeSql: (text: string, values: unknown[]) => execute(text, values) },
    });
  }

  /** Wakes one of this process's idle worker loops (a job was just committed here). */
  wake(): void {
    if (this.boss === null || this.workerIds.length === 0) return;
    this.nextWake = (this.nextWake + 1) % this.workerIds.length;
    this.boss.notifyWorker(this.workerIds[this.nextWake]);
  }

  /**
   * Starts QUEUE_WORKERS loops. Each takes up to QUEUE_BATCH_SIZE jobs and applies them
   * concurrently; a job whose handler throws is failed alone (retried with backoff), the others
   * complete. A full batch makes its loop fetch again at once instead of waiting to poll.
   */
  async work(handler: (job: EventJob) => Promise<void>): Promise<void> {
    const boss = await this.start();
    const { queue } = this.config.fleet;
    for (let i = 0; i < queue.workers; i++) {
      const holder: { id?: string } = {};
      const id = await boss.work<EventJob>(
        EVENT_QUEUE,
        { batchSize: queue.batchSize, pollingIntervalSeconds: queue.pollMs / 1000 },
        async (jobs) => {
          const results = await Promise.allSettled(jobs.map((job) => handler(job.data)));
          const failures = results.flatMap((result, index) =>
            result.status === 'rejected'
              ? [
                  boss.fail(EVENT_QUEUE, jobs[index].id, {
                    error: result.reason instanceof Error ? result.reason.message : 'failed',
                  }),
                ]
              : [],
          );
          await Promise.all(failures);
          if (jobs.length === queue.batchSize && holder.id !== undefined)
            boss.notifyWorker(holder.id);
        },
      );
      holder.id = id;
      this.workerIds.push(id);
    }
  }

  /** A cron schedule (UTC) run once per fleet by whichever process takes its job. */
  async schedule(name: string, cron: string, handler: () => Promise<void>): Promise<void> {
    const boss = await this.start();
    // A resync may walk Stripe for a long time: its job expires only after a day.
    const once = { retryLimit: 0, expireInHours: 23 };
    await boss.createQueue(name, { name, policy: 'standard', ...once });
    await boss.schedule(name, cron, {}, { tz: 'UTC', ...once });
    await boss.work(name, { pollingIntervalSeconds: 2 }, async () => handler());
  }

  /** Jobs waiting or running (the bench's queue depth; readiness could use it too). */
  async depth(): Promise<number> {
    const boss = await this.start();
    return boss.getQueueSize(EVENT_QUEUE, { before: 'completed' });
  }
}
