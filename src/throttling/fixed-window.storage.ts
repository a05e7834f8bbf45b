import type { ThrottlerStorage } from '@nestjs/throttler';

interface Window {
  hits: number;
  /** Unix ms when this window ends and the count starts again. */
  endsAt: number;
}

interface ThrottlerStorageRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/** Past this many clients, windows that have ended are swept before adding another. */
const SWEEP_AT = 50_000;

/**
 * A fixed-window counter per client: O(1) time and memory per request. The package's default
 * storage keeps one timestamp per hit and filters them all on every request, which costs
 * O(limit) per request — a real price on the hot read paths with a generous limit.
 */
export class FixedWindowThrottlerStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();

  increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    const id = `${throttlerName}:${key}`;
    let window = this.windows.get(id);
    if (window === undefined || window.endsAt <= now) {
      if (window === undefined && this.windows.size >= SWEEP_AT) this.sweep(now);
      window = { hits: 0, endsAt: now + ttl };
      this.windows.set(id, window);
    }
    window.hits += 1;
    const secondsLeft = Math.max(1, Math.ceil((window.endsAt - now) / 1000));
    const isBlocked = window.hits > limit;
    return Promise.resolve({
      totalHits: window.hits,
      timeToExpire: secondsLeft,
      isBlocked,
      timeToBlockExpire: isBlocked ? secondsLeft : 0,
    });
  }

  private sweep(now: number): void {
    for (const [id, window] of this.windows) if (window.endsAt <= now) this.windows.delete(id);
  }
}
