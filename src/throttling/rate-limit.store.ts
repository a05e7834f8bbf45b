/** One client's count in the current window. */
export interface WindowCount {
  hits: number;
  /** Milliseconds until the window ends and the count starts again. */
  resetInMs: number;
}

/**
 * Where request counts live: one process's memory (`FixedWindowStore`, the default: each
 * instance counts on its own, so N instances behind a balancer allow up to N × the limit), or
 * Redis when REDIS_URL is set (`RedisWindowStore`: INCR + PEXPIRE in one round trip, shared by
 * every instance).
 */
export interface RateLimitStore {
  /** Counts one request for `key` in a window of `windowMs` and returns the window's count. */
  hit(key: string, windowMs: number): Promise<WindowCount>;
}

interface Window {
  hits: number;
  /** Unix ms when this window ends. */
  endsAt: number;
}

/** Past this many clients, windows that have ended are swept before adding another. */
const SWEEP_AT = 50_000;

/**
 * A fixed-window counter per client: O(1) time and memory per request (a timestamp per hit
 * would cost O(limit) per request on the hot read paths with a generous limit).
 */
export class FixedWindowStore implements RateLimitStore {
  private readonly windows = new Map<string, Window>();

  hit(key: string, windowMs: number): Promise<WindowCount> {
    const now = Date.now();
    let window = this.windows.get(key);
    if (window === undefined || window.endsAt <= now) {
      if (window === undefined && this.windows.size >= SWEEP_AT) this.sweep(now);
      window = { hits: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.hits += 1;
    return Promise.resolve({ hits: window.hits, resetInMs: window.endsAt - now });
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
  }
}
