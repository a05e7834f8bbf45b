import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics.registry';

@Injectable()
export class WebhookMetrics {
  private readonly events: Counter<'type' | 'outcome'>;
  private readonly latency: Histogram<'type'>;
  private readonly lag: Histogram<'type'>;

  constructor(registry: MetricsRegistry) {
    this.events = new Counter({
      name: 'billing_webhook_events_total',
      help: 'Stripe webhook events by type and outcome (received, applied, duplicate, failed).',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'billing_webhook_processing_seconds',
      help: 'Time to apply one event: ledger, lock, re-fetch from Stripe, upserts, commit.',
      labelNames: ['type'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    this.lag = new Histogram({
      name: 'billing_webhook_lag_seconds',
      help: "Seconds from the event's creation at Stripe to its application here.",
      labelNames: ['type'],
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 86400],
      registers: [registry],
    });
  }

  received(type: string): void {
    this.events.inc({ type, outcome: 'received' });
  }

  duplicate(type: string): void {
    this.events.inc({ type, outcome: 'duplicate' });
  }

  failed(type: string): void {
    this.events.inc({ type, outcome: 'failed' });
  }

  applied(type: string, startedNs: bigint, createdUnix: number): void {
    this.events.inc({ type, outcome: 'applied' });
    this.latency.observe({ type }, Number(process.hrtime.bigint() - startedNs) / 1e9);
    this.lag.observe({ type }, Math.max(0, Date.now() / 1000 - createdUnix));
  }
}
