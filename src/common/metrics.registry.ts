import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

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

  constructor() {
    super();
    collectDefaultMetrics({ register: this, prefix: 'billing_' });
  }
}
