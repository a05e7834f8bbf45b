import type { RateLimitStore } from './rate-limit.store';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds until the window ends (at least 1): the `Retry-After` of a refusal. */
  retryAfterSeconds: number;
}

/** A named budget: at most `limit` requests per key per window. */
export class RateLimiter {
  constructor(
    private readonly store: RateLimitStore,
    readonly name: string,
    readonly limit: number,
    private readonly windowMs: number,
  ) {}

  async check(key: string): Promise<RateLimitDecision> {
    const { hits, resetInMs } = await this.store.hit(`${this.name}:${key}`, this.windowMs);
    return {
      allowed: hits <= this.limit,
      limit: this.limit,
      remaining: Math.max(0, this.limit - hits),
      retryAfterSeconds: Math.max(1, Math.ceil(resetInMs / 1000)),
    };
  }
}
