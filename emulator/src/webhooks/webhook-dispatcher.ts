import type Stripe from 'stripe';
import type { EmulatorState, WebhookEndpointRecord } from '../store/emulator-state';
import { newId } from '../store/ids';
import { signWebhookPayload } from './webhook-signature';

export interface DeliveryAttempt {
  id: string;
  event: string;
  eventType: string;
  endpoint: string;
  url: string;
  attempt: number;
  /** HTTP status, or null when the request failed or timed out. */
  statusCode: number | null;
  succeeded: boolean;
  responseBody: string;
  error: string | null;
  durationMs: number;
  /** Wall-clock time of the attempt, ISO 8601. */
  at: string;
  duplicate: boolean;
}

export interface WebhookDeliveryOptions {
  /** false pauses delivery: events are still recorded, but nothing is sent (a missed delivery). */
  enabled: boolean;
  /** Probability (0–1) that an event is delivered twice. */
  duplicateProbability: number;
  /** The next N events are each delivered twice (deterministic, for tests). */
  duplicateNext: number;
  /** Deliveries are shuffled within windows of this many events (1 = in order). */
  reorderWindow: number;
  /** Deliveries in flight at once per endpoint (1 = strictly one at a time, in order). */
  concurrency: number;
}

export const DEFAULT_DELIVERY_OPTIONS: WebhookDeliveryOptions = {
  enabled: true,
  duplicateProbability: 0,
  duplicateNext: 0,
  reorderWindow: 1,
  concurrency: 1,
};

interface DeliveryJob {
  event: Stripe.EventBase;
  endpointId: string;
  attempt: number;
  duplicate: boolean;
  /** The dispatcher generation the job belongs to; a reset starts a new one. */
  generation: number;
}

interface EndpointQueue {
  ready: DeliveryJob[];
  reorderBuffer: DeliveryJob[];
  reorderTimer: NodeJS.Timeout | null;
  inFlight: number;
}

const RESPONSE_SNIPPET_CHARS = 500;
/** A reorder window that never fills still goes out after this long. */
const REORDER_IDLE_MS = 25;
const USER_AGENT = 'Stripe/1.0 (+https://stripe.com/docs/webhooks)';

export function eventMatchesEndpoint(endpoint: Stripe.WebhookEndpoint, type: string): boolean {
  return (
    endpoint.status === 'enabled' &&
    (endpoint.enabled_events.includes('*') || endpoint.enabled_events.includes(type))
  );
}

/**
 * Sends events to webhook endpoints the way Stripe does: signed at send time (re-signed on each
 * retry, so the timestamp is always fresh), retried with backoff on non-2xx or timeout, every
 * attempt recorded. `flush()` resolves once nothing is queued, in flight or waiting to retry.
 */
export class WebhookDispatcher {
  private options: WebhookDeliveryOptions = { ...DEFAULT_DELIVERY_OPTIONS };
  private readonly queues = new Map<string, EndpointQueue>();
  private readonly attempts: DeliveryAttempt[] = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly inFlightRequests = new Set<AbortController>();
  private outstanding = 0;
  private generation = 0;
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly state: EmulatorState,
    private readonly retryDelaysMs: readonly number[],
    private readonly timeoutMs: number,
    private readonly log: (line: string) => void,
  ) {}

  getOptions(): WebhookDeliveryOptions {
    return { ...this.options };
  }

  setOptions(patch: Partial<WebhookDeliveryOptions>): WebhookDeliveryOptions {
    this.options = { ...this.options, ...patch };
    for (const endpointId of this.queues.keys()) this.pump(endpointId);
    return this.getOptions();
  }

  deliveries(filter: { event?: string; endpoint?: string }): DeliveryAttempt[] {
    return this.attempts.filter(
      (attempt) =>
        (filter.event === undefined || attempt.event === filter.event) &&
        (filter.endpoint === undefined || attempt.endpoint === filter.endpoint),
    );
  }

  /** Called for every emitted event. */
  enqueue(event: Stripe.EventBase): void {
    if (this.closed || !this.options.enabled) return;
    for (const record of this.state.webhookEndpoints.values()) {
      if (!eventMatchesEndpoint(record.endpoint, event.type)) continue;
      this.addJob({
        event,
        endpointId: record.endpoint.id,
        attempt: 1,
        duplicate: false,
        generation: this.generation,
      });
      if (this.shouldDuplicate()) {
        this.addJob({
          event,
          endpointId: record.endpoint.id,
          attempt: 1,
          duplicate: true,
          generation: this.generation,
        });
      }
    }
  }

  /** Re-sends stored events on request (the control API's explicit "redeliver"). */
  redeliver(events: Stripe.EventBase[], endpointId?: string): number {
    let count = 0;
    for (const event of events) {
      for (const record of this.state.webhookEndpoints.values()) {
        if (endpointId !== undefined && record.endpoint.id !== endpointId) continue;
        if (!eventMatchesEndpoint(record.endpoint, event.type)) continue;
        this.addJob({
          event,
          endpointId: record.endpoint.id,
          attempt: 1,
          duplicate: false,
          generation: this.generation,
        });
        count += 1;
      }
    }
    return count;
  }

  flush(): Promise<void> {
    for (const [endpointId, queue] of this.queues) this.releaseReorderBuffer(endpointId, queue);
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Forgets queued work and history (control API reset). In-flight requests are abandoned. */
  reset(): void {
    this.cancelEverything();
    this.attempts.length = 0;
    this.options = { ...DEFAULT_DELIVERY_OPTIONS };
  }

  close(): void {
    this.closed = true;
    this.cancelEverything();
  }

  private cancelEverything(): void {
    // Requests still in flight finish later; their jobs belong to the old generation and are dropped.
    this.generation += 1;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    for (const queue of this.queues.values())
      if (queue.reorderTimer) clearTimeout(queue.reorderTimer);
    for (const controller of this.inFlightRequests) controller.abort();
    this.inFlightRequests.clear();
    this.queues.clear();
    this.outstanding = 0;
    this.notifyIdle();
  }

  private shouldDuplicate(): boolean {
    if (this.options.duplicateNext > 0) {
      this.options.duplicateNext -= 1;
      return true;
    }
    return (
      this.options.duplicateProbability > 0 && Math.random() < this.options.duplicateProbability
    );
  }

  private queueFor(endpointId: string): EndpointQueue {
    let queue = this.queues.get(endpointId);
    if (queue === undefined) {
      queue = { ready: [], reorderBuffer: [], reorderTimer: null, inFlight: 0 };
      this.queues.set(endpointId, queue);
    }
    return queue;
  }

  private addJob(job: DeliveryJob): void {
    const queue = this.queueFor(job.endpointId);
    this.outstanding += 1;
    if (this.options.reorderWindow > 1) {
      queue.reorderBuffer.push(job);
      if (queue.reorderBuffer.length >= this.options.reorderWindow)
        this.releaseReorderBuffer(job.endpointId, queue);
      else if (queue.reorderTimer === null) {
        queue.reorderTimer = setTimeout(
          () => this.releaseReorderBuffer(job.endpointId, queue),
          REORDER_IDLE_MS,
        );
      }
      return;
    }
    queue.ready.push(job);
    this.pump(job.endpointId);
  }

  private releaseReorderBuffer(endpointId: string, queue: EndpointQueue): void {
    if (queue.reorderTimer !== null) {
      clearTimeout(queue.reorderTimer);
      queue.reorderTimer = null;
    }
    const batch = queue.reorderBuffer.splice(0);
    for (let i = batch.length - 1; i > 0; i -= 1) {
      const j = Math.floor(Math.random() * (i + 1));
      [batch[i], batch[j]] = [batch[j], batch[i]];
    }
    queue.ready.push(...batch);
    this.pump(endpointId);
  }

  private pump(endpointId: string): void {
    const queue = this.queues.get(endpointId);
    if (queue === undefined || this.closed) return;
    if (!this.options.enabled) {
      // Paused: whatever was waiting is a missed delivery, as when Stripe cannot reach an endpoint
      // for good. Dropping it (rather than holding it) keeps `flush()` from waiting forever.
      for (const job of queue.ready.splice(0)) this.settle(job, false);
      return;
    }
    while (queue.inFlight < Math.max(1, this.options.concurrency) && queue.ready.length > 0) {
      const job = queue.ready.shift() as DeliveryJob;
      const record = this.state.webhookEndpoints.get(job.endpointId);
      if (record === undefined || record.endpoint.status !== 'enabled') {
        this.settle(job, false);
        continue;
      }
      queue.inFlight += 1;
      void this.send(job, record).then((succeeded) => {
        queue.inFlight -= 1;
        this.afterAttempt(job, succeeded);
        this.pump(endpointId);
      });
    }
  }

  private afterAttempt(job: DeliveryJob, succeeded: boolean): void {
    if (this.closed || job.generation !== this.generation) return;
    if (succeeded || job.attempt > this.retryDelaysMs.length) {
      this.settle(job, succeeded);
      return;
    }
    // Retries leave the queue, so a failing endpoint does not hold up later events.
    const timer = setTimeout(
      () => {
        this.retryTimers.delete(timer);
        if (this.closed) return;
        this.queueFor(job.endpointId).ready.push({ ...job, attempt: job.attempt + 1 });
        this.pump(job.endpointId);
      },
      this.retryDelaysMs[job.attempt - 1],
    );
    this.retryTimers.add(timer);
  }

  private settle(job: DeliveryJob, succeeded: boolean): void {
    if (job.generation !== this.generation) return;
    if (succeeded && !job.duplicate) {
      const stored = this.state.events.get(job.event.id);
      if (stored !== undefined && stored.pending_webhooks > 0) stored.pending_webhooks -= 1;
    }
    this.outstanding = Math.max(0, this.outstanding - 1);
    if (this.outstanding === 0) this.notifyIdle();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async send(job: DeliveryJob, record: WebhookEndpointRecord): Promise<boolean> {
    const payload = JSON.stringify(job.event, null, 2);
    const signature = signWebhookPayload(payload, record.secret, Math.floor(Date.now() / 1000));
    const controller = new AbortController();
    this.inFlightRequests.add(controller);
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const started = Date.now();
    let statusCode: number | null = null;
    let responseBody = '';
    let error: string | null = null;
    try {
      const response = await fetch(record.endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': USER_AGENT,
          'stripe-signature': signature,
          'cache-control': 'no-cache',
          accept: '*/*; q=0.5, application/xml',
        },
        body: payload,
        signal: controller.signal,
      });
      statusCode = response.status;
      responseBody = (await response.text()).slice(0, RESPONSE_SNIPPET_CHARS);
    } catch (caught) {
      error = controller.signal.aborted
        ? 'timeout or aborted'
        : caught instanceof Error
          ? caught.message
          : String(caught);
    } finally {
      clearTimeout(timer);
      this.inFlightRequests.delete(controller);
    }
    const succeeded = statusCode !== null && statusCode >= 200 && statusCode < 300;
    if (!this.closed && job.generation === this.generation) {
      this.attempts.push({
        id: newId('wa'),
        event: job.event.id,
        eventType: job.event.type,
        endpoint: record.endpoint.id,
        url: record.endpoint.url,
        attempt: job.attempt,
        statusCode,
        succeeded,
        responseBody,
        error,
        durationMs: Date.now() - started,
        at: new Date().toISOString(),
        duplicate: job.duplicate,
      });
      if (!succeeded)
        this.log(
          `webhook ${job.event.type} ${job.event.id} → ${record.endpoint.url} attempt ${job.attempt} failed (${statusCode ?? error})`,
        );
    }
    return succeeded;
  }
}
