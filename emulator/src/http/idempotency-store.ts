import type { Collection } from '../store/collection';
import type { IdempotencyRecord } from '../store/emulator-state';

export type StoredResponse = Omit<IdempotencyRecord, 'id'>;

/** Stripe keeps keys for at least 24 hours. */
const RETENTION_MS = 24 * 3600 * 1000;
/**
 * The SDK sends a fresh key with every POST, so the store is bounded: beyond this many keys the
 * oldest go first (well past any retry window the SDK uses).
 */
const MAX_KEYS = 20_000;

/**
 * Stripe's idempotency: the first response to a key is stored and replayed for the same key and
 * the same request; the same key with a different request is an `idempotency_error`. Records
 * live in the emulator's state, so they are written in the same atomic step as the request's
 * effects and survive a restart with them.
 */
export class IdempotencyStore {
  constructor(private readonly records: Collection<IdempotencyRecord>) {}

  private static id(scope: string, key: string): string {
    return `${scope}\u0000${key}`;
  }

  get(scope: string, key: string): StoredResponse | undefined {
    const id = IdempotencyStore.id(scope, key);
    const stored = this.records.get(id);
    if (stored !== undefined && Date.now() - stored.createdAt > RETENTION_MS) {
      this.records.delete(id);
      return undefined;
    }
    return stored;
  }

  put(scope: string, key: string, response: Omit<StoredResponse, 'createdAt'>): void {
    if (this.records.size >= MAX_KEYS) {
      const oldest = this.records.oldestId();
      if (oldest !== undefined) this.records.delete(oldest);
    }
    this.records.put({ id: IdempotencyStore.id(scope, key), ...response, createdAt: Date.now() });
  }
}
