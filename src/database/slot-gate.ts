/**
 * At most `capacity` holders at once; the rest wait in arrival order. Used to keep part of the
 * connection pool free of the sync engine's transactions (see SqlClient).
 */
export class SlotGate {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`a gate needs at least one slot (got ${capacity})`);
  }

  /** Holders now, and callers waiting for a slot (metrics, tests). */
  get state(): { held: number; waiting: number } {
    return { held: this.held, waiting: this.waiting.length };
  }

  /** Runs `work` once a slot is free, and frees it when the work settles. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.held < this.capacity) this.held += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      // The slot passes straight to the next waiter, so `held` counts it throughout.
      const next = this.waiting.shift();
      if (next === undefined) this.held -= 1;
      else next();
    }
  }
}

/**
 * Connections of a pool of `size` that the engine's transactions leave to everything else
 * (user-facing reads and writes, the Stripe budget, health checks): a quarter, at least one,
 * none for a pool of fewer than three.
 */
export function reservedConnections(size: number): number {
  return size < 3 ? 0 : Math.max(1, Math.floor(size / 4));
}
