import type Stripe from 'stripe';
import type { EmulatorState } from '../store/emulator-state';
import { newId } from '../store/ids';

/** The API request whose effects are being produced; null for clock-driven (automatic) work. */
export interface RequestOrigin {
  requestId: string;
  idempotencyKey: string | null;
  apiVersion: string;
}

export type EventListener = (event: Stripe.EventBase) => void;

/**
 * Records events in Stripe's shape and hands each one to the webhook dispatcher. `data.object`
 * is a deep copy taken at emission, because the stored object keeps changing afterwards.
 */
export class EventLog {
  private origin: RequestOrigin | null = null;
  private readonly listeners: EventListener[] = [];

  constructor(
    private readonly state: EmulatorState,
    private readonly defaultApiVersion: string,
    private readonly countMatchingEndpoints: (type: string) => number,
  ) {}

  onEvent(listener: EventListener): void {
    this.listeners.push(listener);
  }

  /** Runs `work` with `origin` as the cause of every event it emits. */
  withOrigin<T>(origin: RequestOrigin | null, work: () => T): T {
    const previous = this.origin;
    this.origin = origin;
    try {
      return work();
    } finally {
      this.origin = previous;
    }
  }

  emit(
    type: Stripe.Event.Type,
    object: object,
    created: number,
    previousAttributes?: Record<string, unknown>,
  ): Stripe.EventBase {
    const data: Stripe.Event.Data = { object: structuredClone(object) };
    // Stripe includes previous_attributes only on `*.updated` events.
    if (
      type.endsWith('.updated') &&
      previousAttributes !== undefined &&
      Object.keys(previousAttributes).length > 0
    ) {
      data.previous_attributes = structuredClone(previousAttributes);
    }
    const event: Stripe.EventBase = {
      id: newId('evt'),
      object: 'event',
      api_version: this.origin?.apiVersion ?? this.defaultApiVersion,
      created,
      data,
      livemode: false,
      pending_webhooks: this.countMatchingEndpoints(type),
      request: {
        id: this.origin?.requestId ?? null,
        idempotency_key: this.origin?.idempotencyKey ?? null,
      },
      type,
    };
    this.state.events.put(event);
    for (const listener of this.listeners) listener(event);
    return event;
  }
}

/**
 * `previous_attributes` for an update: the old values of the top-level fields that changed.
 * Compared by JSON, which is exact for Stripe objects (plain data, stable key order per builder).
 */
export function changedAttributes(before: object, after: object): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  const old = before as Record<string, unknown>;
  const next = after as Record<string, unknown>;
  for (const key of Object.keys(next)) {
    if (JSON.stringify(old[key]) !== JSON.stringify(next[key])) changed[key] = old[key] ?? null;
  }
  return changed;
}
