import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '../../common/metrics.registry';
import type { Verdict } from './state';

@Injectable()
export class SyncMetrics {
  private readonly events: Counter<'type' | 'outcome'>;
  private readonly latency: Histogram<'type'>;
  private readonly lag: Histogram<'type'>;
  private readonly verdicts: Counter<'kind' | 'verdict'>;
  private readonly fetches: Counter<'kind' | 'reason'>;
  private readonly coalesced: Counter<'kind'>;

  constructor(registry: MetricsRegistry) {
    this.events = new Counter({
      name: 'billing_webhook_events_total',
      help: 'Stripe events by type and outcome (received, applied, ignored, duplicate, deferred, failed).',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'billing_webhook_processing_seconds',
      help: 'Time to apply one event: decision, fetch when needed, one short transaction.',
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
    this.verdicts = new Counter({
      name: 'billing_sync_verdicts_total',
      help: 'States compared with the stored one, by kind and verdict (apply, stale, same, ambiguous).',
      labelNames: ['kind', 'verdict'],
      registers: [registry],
    });
    this.fetches = new Counter({
      name: 'billing_sync_fetches_total',
      help: 'Objects fetched from Stripe by the engine, by kind and reason (incomplete, ambiguous, refresh, dependency).',
      labelNames: ['kind', 'reason'],
      registers: [registry],
    });
    this.coalesced = new Counter({
      name: 'billing_sync_fetches_coalesced_total',
      help: 'Fetches served by a request already in flight for the same object.',
      labelNames: ['kind'],
      registers: [registry],
    });
  }

  event(type: string, outcome: string): void {
    this.events.inc({ type, outcome });
  }

  applied(type: string, startedNs: bigint, createdUnix: number, nowSeconds: number): void {
    this.latency.observe({ type }, Number(process.hrtime.bigint() - startedNs) / 1e9);
    this.lag.observe({ type }, Math.max(0, nowSeconds - createdUnix));
  }

  verdict(kind: string, verdict: Verdict): void {
    this.verdicts.inc({ kind, verdict });
  }

  fetchStarted(kind: string, reason: string): void {
    this.fetches.inc({ kind, reason });
  }

  fetchCoalesced(kind: string): void {
    this.coalesced.inc({ kind });
  }
}
