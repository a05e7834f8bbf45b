import type Stripe from 'stripe';
import type {
  DeliveryAttempt,
  PendingDelivery,
  WebhookEndpointRecord,
} from '../store/emulator-state';
import { newId } from '../store/ids';
import type { StateStore } from '../store/state-store';
import { signWebhookPayload } from './webhook-signature';

export type { DeliveryAttempt };

/** How failed deliveries are retried. */
export const RETRY_SCHEDULES = ['fixed', 'stripe-test', 'stripe-live'] as const;
export type RetrySchedule = (typeof RETRY_SCHEDULES)[number];

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
  /** Wall-clock delay before the first attempt of every delivery (ms). */
  delayMs: number;
  /** A random extra delay, uniform in [0, jitterMs], per delivery (so deliveries may overtake). */
  jitterMs: number;
  /**
   * `fixed`: the emulator's `webhookRetryDelaysMs` (wall clock, short, for tests). `stripe-test`
   * / `stripe-live`: Stripe's schedules, counted on the emulated global clock, so advancing the
   * clock brings retries due (see README).
   */
  retrySchedule: RetrySchedule;
}

export const DEFAULT_DELIVERY_OPTIONS: WebhookDeliveryOptions = {
  enabled: true,
  duplicateProbability: 0,
  duplicateNext: 0,
  reorderWindow: 1,
  concurrency: 1,
  delayMs: 0,
  jitterMs: 0,
  retrySchedule: 'fixed',
};

/**
 * Stripe does not publish its intervals, only their shape: in test mode "three times over a few
 * hours", in live mode "for up to three days with an exponential back off". These follow that
 * shape, in emulated seconds after each failed attempt.
 */
export const STRIPE_RETRY_SECONDS: Record<Exclude<RetrySchedule, 'fixed'>, readonly number[]> = {
  'stripe-test': [15 * 60, 60 * 60, 3 * 60 * 60],
  // Doubling from 5 minutes; the last retry comes about 64 hours after the first attempt.
  'stripe-live': [300, 600, 1_200, 2_400, 4_800, 9_600, 19_200, 38_400, 76_800, 76_800],
};

interface EndpointQueue {
  ready: string[];
  reorderBuffer: string[];
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
 * retry, so the timestamp is always fresh), retried on non-2xx or timeout, every attempt
 * recorded. What is still owed to an endpoint is state (`webhookOutbox`): written in the same
 * atomic step as the event, so a failed request queues nothing, and picked up again after a
 * restart. `flush()` resolves once nothing is queued, in flight or waiting on the wall clock.
 */
export class WebhookDispatcher {
  private options: WebhookDeliveryOptions = { ...DEFAULT_DELIVERY_OPTIONS };
  private readonly queues = new Map<string, EndpointQueue>();
  /** Outbox ids this process is working on (queued, delayed, in flight) — what flush waits for. */
  private readonly pending = new Set<string>();
  /** Outbox ids waiting for the emulated clock (Stripe's retry schedule). */
  private readonly waitingOnClock = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlightRequests = new Set<AbortController>();
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly store: StateStore,
    private readonly emulatedNow: () => number,
    private readonly retryDelaysMs: readonly number[],
    private readonly timeoutMs: number,
    private readonly log: (line: string) => void,
  ) {}

  private get state() {
    return this.store.state;
  }

  getOptions(): WebhookDeliveryOptions {
    return { ...this.options };
  }

  setOptions(patch: Partial<WebhookDeliveryOptions>): WebhookDeliveryOptions {
    this.options = { ...this.options, ...patch };
    for (const endpointId of this.queues.keys()) this.pump(endpointId);
    return this.getOptions();
  }

  deliveries(filter: { event?: string; endpoint?: string }): DeliveryAttempt[] {
    return this.store.read(() => {
      const found: DeliveryAttempt[] = [];
      for (const attempt of this.state.webhookDeliveries.values()) {
        if (
          (filter.event === undefined || attempt.event === filter.event) &&
          (filter.endpoint === undefined || attempt.endpoint === filter.endpoint)
        )
          found.push(attempt);
      }
      return found;
    });
  }

  /** Picks up what a previous run still owed (after loading persisted state). */
  resume(): void {
    const ids = this.store.read(() => [...this.state.webhookOutbox.values()].map((job) => job.id));
    for (const id of ids) this.schedule(id);
  }

  /** Called for every emitted event, inside the request's atomic step. */
  enqueue(event: Stripe.EventBase): void {
    if (this.closed || !this.options.enabled) return;
    for (const record of this.state.webhookEndpoints.values()) {
      if (!eventMatchesEndpoint(record.endpoint, event.type)) continue;
      this.addToOutbox(event.id, record.endpoint.id, false);
      if (this.shouldDuplicate()) this.addToOutbox(event.id, record.endpoint.id, true);
    }
  }

  /** Re-sends stored events on request (the control API's explicit "redeliver"). */
  redeliver(eventIds: string[], endpointId?: string): number {
    return this.store.run(() => {
      let count = 0;
      for (const eventId of eventIds) {
        const event = this.state.events.get(eventId);
        if (event === undefined) continue;
        for (const record of this.state.webhookEndpoints.values()) {
          if (endpointId !== undefined && record.endpoint.id !== endpointId) continue;
          if (!eventMatchesEndpoint(record.endpoint, event.type)) continue;
          this.addToOutbox(event.id, record.endpoint.id, false);
          count += 1;
        }
      }
      return count;
    });
  }

  /** Retries on Stripe's schedule wait for the emulated clock: called when it moves. */
  clockMoved(): void {
    for (const id of [...this.waitingOnClock]) {
      this.waitingOnClock.delete(id);
      this.schedule(id);
    }
  }

  flush(): Promise<void> {
    for (const [endpointId, queue] of this.queues) this.releaseReorderBuffer(endpointId, queue);
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Forgets queued work (control API reset; the state reset empties the outbox itself). */
  reset(): void {
    this.cancelEverything();
    this.options = { ...DEFAULT_DELIVERY_OPTIONS };
  }

  /** Stops sending. The outbox stays: a restart on the same data resumes it. */
  close(): void {
    this.closed = true;
    this.cancelEverything();
  }

  private cancelEverything(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const queue of this.queues.values())
      if (queue.reorderTimer) clearTimeout(queue.reorderTimer);
    for (const controller of this.inFlightRequests) controller.abort();
    this.inFlightRequests.clear();
    this.queues.clear();
    this.pending.clear();
    this.waitingOnClock.clear();
    this.notifyIdle();
  }

  private addToOutbox(eventId: string, endpointId: string, duplicate: boolean): void {
    const jitter = this.options.jitterMs > 0 ? Math.random() * this.options.jitterMs : 0;
    const job: PendingDelivery = {
      id: newId('wd'),
      event: eventId,
      endpoint: endpointId,
      attempt: 1,
      duplicate,
      notBeforeMs: Date.now() + this.options.delayMs + Math.round(jitter),
      notBeforeEmulated: null,
    };
    this.state.webhookOutbox.put(job);
    this.store.afterCommit(() => this.schedule(job.id));
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

  /** Puts an outbox entry where it belongs now: ready, on a timer, or waiting for the clock. */
  private schedule(id: string): void {
    if (this.closed) return;
    const job = this.store.read(() => this.state.webhookOutbox.get(id));
    if (job === undefined) return;
    if (job.notBeforeEmulated !== null && job.notBeforeEmulated > this.emulatedNow()) {
      this.pending.delete(id);
      this.waitingOnClock.add(id);
      this.notifyIfIdle();
      return;
    }
    this.pending.add(id);
    const wait = job.notBeforeMs - Date.now();
    if (wait > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.makeReady(job.id, job.endpoint);
      }, wait);
      this.timers.add(timer);
      return;
    }
    this.makeReady(job.id, job.endpoint);
  }

  private queueFor(endpointId: string): EndpointQueue {
    let queue = this.queues.get(endpointId);
    if (queue === undefined) {
      queue = { ready: [], reorderBuffer: [], reorderTimer: null, inFlight: 0 };
      this.queues.set(endpointId, queue);
    }
    return queue;
  }

  private makeReady(id: string, endpointId: string): void {
    if (this.closed) return;
    const queue = this.queueFor(endpointId);
    if (this.options.reorderWindow > 1) {
      queue.reorderBuffer.push(id);
      if (queue.reorderBuffer.length >= this.options.reorderWindow)
        this.releaseReorderBuffer(endpointId, queue);
      else if (queue.reorderTimer === null) {
        queue.reorderTimer = setTimeout(
          () => this.releaseReorderBuffer(endpointId, queue),
          REORDER_IDLE_MS,
        );
      }
      return;
    }
    queue.ready.push(id);
    this.pump(endpointId);
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
      for (const id of queue.ready.splice(0)) this.finish(id, null);
      return;
    }
    while (queue.inFlight < Math.max(1, this.options.concurrency) && queue.ready.length > 0) {
      const id = queue.ready.shift() as string;
      const found = this.store.read(() => {
        const job = this.state.webhookOutbox.get(id);
        if (job === undefined) return undefined;
        const record = this.state.webhookEndpoints.get(job.endpoint);
        const event = this.state.events.get(job.event);
        return { job, record, event };
      });
      if (found === undefined) {
        this.forget(id);
        continue;
      }
      const { job, record, event } = found;
      if (record === undefined || record.endpoint.status !== 'enabled' || event === undefined) {
        this.finish(id, null);
        continue;
      }
      queue.inFlight += 1;
      void this.send(job, record, event).then((attempt) => {
        queue.inFlight -= 1;
        this.finish(id, attempt);
        this.pump(endpointId);
      });
    }
  }

  /**
   * Records an attempt (null: none was made) and either settles the delivery or schedules its
   * retry — one atomic step, so a restart never repeats a settled delivery or loses a retry.
   */
  private finish(id: string, attempt: DeliveryAttempt | null): void {
    if (this.closed) return;
    const retry = this.store.run(() => {
      const job = this.state.webhookOutbox.get(id);
      // Gone: a reset happened while the attempt was in flight.
      if (job === undefined) return null;
      if (attempt !== null) this.state.webhookDeliveries.put(attempt);
      const succeeded = attempt?.succeeded === true;
      const next = attempt === null || succeeded ? null : this.nextAttemptAt(job.attempt);
      if (next === null) {
        this.state.webhookOutbox.delete(id);
        if (succeeded && !job.duplicate) {
          const event = this.state.events.get(job.event);
          if (event !== undefined && event.pending_webhooks > 0) event.pending_webhooks -= 1;
        }
        return null;
      }
      job.attempt += 1;
      job.notBeforeMs = next.wallMs;
      job.notBeforeEmulated = next.emulated;
      return job.id;
    });
    this.pending.delete(id);
    if (retry !== null) this.schedule(retry);
    this.notifyIfIdle();
  }

  /** When attempt `attempt + 1` is due, or null when `attempt` was the last one. */
  private nextAttemptAt(attempt: number): { wallMs: number; emulated: number | null } | null {
    if (this.options.retrySchedule === 'fixed') {
      const delay = this.retryDelaysMs[attempt - 1];
      return delay === undefined ? null : { wallMs: Date.now() + delay, emulated: null };
    }
    const delay = STRIPE_RETRY_SECONDS[this.options.retrySchedule][attempt - 1];
    return delay === undefined ? null : { wallMs: 0, emulated: this.emulatedNow() + delay };
  }

  private forget(id: string): void {
    this.pending.delete(id);
    this.notifyIfIdle();
  }

  private notifyIfIdle(): void {
    if (this.pending.size === 0) this.notifyIdle();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async send(
    job: PendingDelivery,
    record: WebhookEndpointRecord,
    event: Stripe.EventBase,
  ): Promise<DeliveryAttempt> {
    const payload = JSON.stringify(event, null, 2);
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
    if (!succeeded && !this.closed)
      this.log(
        `webhook ${event.type} ${event.id} → ${record.endpoint.url} attempt ${job.attempt} failed (${statusCode ?? error})`,
      );
    return {
      id: newId('wa'),
      event: event.id,
      eventType: event.type,
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
    };
  }
}
