import type { EnvReader } from './env-reader';

/** How a verified webhook reaches the engine. */
export type WebhookMode = 'inline' | 'queued';

/** Settings for running several instances on one PostgreSQL (docs/production.md). */
export interface FleetConfig {
  /**
   * inline: the delivery is answered once the event is applied (one instance). queued: the
   * delivery is recorded in the ledger and in the job queue, answered 200 at once, and applied
   * by workers; scheduled jobs run once per fleet.
   */
  webhookMode: WebhookMode;
  queue: {
    /** In-process worker loops (0: this instance only ingests; `npm run worker` applies). */
    workers: number;
    /** Jobs one loop takes per fetch and applies concurrently. */
    batchSize: number;
    /** How often an idle loop looks for jobs (a local delivery wakes it at once). */
    pollMs: number;
    /** A job held longer than this (its worker died) is handed to another worker. */
    jobTimeoutSeconds: number;
    /** Attempts after the first; the delay doubles from retryDelaySeconds each time. */
    retryLimit: number;
    retryDelaySeconds: number;
    /** How often one instance of the fleet looks for expired jobs and purges old ones. */
    maintenanceSeconds: number;
    /** The job engine's own connections (on top of DATABASE_POOL_SIZE). */
    poolSize: number;
  };
  /** Shared rate-limit counters; unset: counted in each process's memory. */
  redisUrl?: string;
}

export function fleetConfig(read: EnvReader): FleetConfig {
  return {
    webhookMode: read.oneOf('WEBHOOK_MODE', ['inline', 'queued'] as const, 'inline'),
    queue: {
      workers: read.int('QUEUE_WORKERS', 2, { min: 0, max: 64 }),
      batchSize: read.int('QUEUE_BATCH_SIZE', 8, { min: 1, max: 500 }),
      pollMs: read.int('QUEUE_POLL_MS', 500, { min: 500, max: 60_000 }),
      jobTimeoutSeconds: read.int('QUEUE_JOB_TIMEOUT_SECONDS', 60, { min: 1, max: 3600 }),
      retryLimit: read.int('QUEUE_RETRY_LIMIT', 10, { min: 0, max: 100 }),
      retryDelaySeconds: read.int('QUEUE_RETRY_DELAY_SECONDS', 2, { min: 0, max: 3600 }),
      maintenanceSeconds: read.int('QUEUE_MAINTENANCE_SECONDS', 30, { min: 1, max: 3600 }),
      poolSize: read.int('QUEUE_POOL_SIZE', 3, { min: 2, max: 50 }),
    },
    redisUrl: read.optionalUrl('REDIS_URL', ['redis:', 'rediss:']),
  };
}
