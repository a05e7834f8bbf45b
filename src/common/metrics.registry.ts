import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { backgroundSlices } from './background-slices';

/** One registry per app instance (tests run several in one process). */
export class MetricsRegistry extends Registry {
  readonly lastSyncSuccess = new Gauge({
    name: 'billing_sync_last_success_timestamp_seconds',
    help: 'When the last Stripe → database sync finished successfully (unix seconds).',
    registers: [this],
  });

  readonly driftFound = new Gauge({
    name: 'billing_sync_drift_rows',
    help: 'Rows the last sync found out of step with Stripe, by kind.',
    labelNames: ['kind'],
    registers: [this],
  });

  /**
   * Bulk steps (webhook deliveries, queued applies, engine transactions) waiting for a
   * background slice when scraped: above zero for long, the process's CPU is the bottleneck.
   * The queue is the process's: instances sharing a process (tests) all show the same one.
   */
  readonly backgroundBacklog = new Gauge({
    name: 'billing_background_steps_waiting',
    help: 'Bulk work steps waiting for a slice of the event loop (webhook deliveries, queued applies, steps of engine transactions).',
    registers: [this],
    collect() {
      this.set(backgroundSlices.backlog);
    },
  });

  constructor() {
    super();
    collectDefaultMetrics({ register: this, prefix: 'billing_' });
  }
}
