interface Entry<V> {
  value: V;
  expiresAt: number;
}

interface Flight<V> {
  promise: Promise<V>;
  /** Cleared when the account is invalidated while the load runs: its result is then stale. */
  token: { storable: boolean };
}

/**
 * A bounded per-account cache with a time to live, for reads that other services call often.
 *
 * Concurrent misses for one account share one load. Invalidation must win over a load that
 * started before it: the load may have read the rows just before the writer's commit, so its
 * result is handed to the callers already waiting for it but never stored.
 */
export class AccountCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly flights = new Map<string, Flight<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly wallClock: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  async get(accountId: string, load: () => Promise<V>): Promise<V> {
    if (this.ttlMs <= 0) return load();
    const entry = this.entries.get(accountId);
    if (entry !== undefined) {
      if (entry.expiresAt > this.wallClock()) return entry.value;
      this.entries.delete(accountId);
    }
    const pending = this.flights.get(accountId);
    if (pending !== undefined) return pending.promise;

    const token = { storable: true };
    // The load starts on a later microtask, so the flight is registered before it can settle.
    const promise = Promise.resolve()
      .then(load)
      .then((value) => {
        if (token.storable) this.store(accountId, value);
        return value;
      })
      .finally(() => {
        if (this.flights.get(accountId)?.token === token) this.flights.delete(accountId);
      });
    this.flights.set(accountId, { promise, token });
    return promise;
  }

  invalidate(accountIds: Iterable<string>): void {
    for (const accountId of accountIds) {
      this.entries.delete(accountId);
      const flight = this.flights.get(accountId);
      if (flight !== undefined) {
        flight.token.storable = false;
        this.flights.delete(accountId);
      }
    }
  }

  clear(): void {
    this.entries.clear();
    for (const flight of this.flights.values()) flight.token.storable = false;
    this.flights.clear();
  }

  private store(accountId: string, value: V): void {
    this.entries.delete(accountId);
    // Oldest insertion first out: Map keeps insertion order, so the bound costs O(1).
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(accountId, { value, expiresAt: this.wallClock() + this.ttlMs });
  }
}
