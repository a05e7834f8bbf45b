export interface StoredResponse {
  fingerprint: string;
  statusCode: number;
  body: string;
  createdAt: number;
}

/** Stripe keeps keys for at least 24 hours. */
const RETENTION_MS = 24 * 3600 * 1000;
/**
 * The SDK sends a fresh key with every POST, and in sandbox mode the emulator shares the app's
 * memory, so the store is bounded: beyond this many keys the oldest go first (well past any
 * retry window the SDK uses).
 */
const MAX_KEYS = 20_000;

/**
 * Stripe's idempotency: the first response to a key is stored and replayed for the same key and
 * the same request; the same key with a different request is an `idempotency_error`.
 */
export class IdempotencyStore {
  private readonly responses = new Map<string, StoredResponse>();

  get(scope: string, key: string): StoredResponse | undefined {
    const stored = this.responses.get(`${scope}\u0000${key}`);
    if (stored !== undefined && Date.now() - stored.createdAt > RETENTION_MS) {
      this.responses.delete(`${scope}\u0000${key}`);
      return undefined;
    }
    return stored;
  }

  put(scope: string, key: string, response: Omit<StoredResponse, 'createdAt'>): void {
    if (this.responses.size >= MAX_KEYS) {
      const oldest = this.responses.keys().next();
      if (oldest.done !== true) this.responses.delete(oldest.value);
    }
    this.responses.set(`${scope}\u0000${key}`, { ...response, createdAt: Date.now() });
  }

  clear(): void {
    this.responses.clear();
  }
}
