import { stripeBudgetFor, type RealismOptions } from './realism';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Stripe's rate limiter: a token bucket per API key and per kind of operation (reads, writes),
 * holding a second's budget and refilled continuously, so a burst of one second's worth passes
 * and a sustained rate above the budget is refused.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** Takes one token; false when the budget is spent (the request gets a 429). */
  take(setting: RealismOptions['rateLimit'], apiKey: string, write: boolean): boolean {
    if (setting === null) return true;
    const perSecond = setting === 'stripe' ? stripeBudgetFor(apiKey) : setting;
    const name = `${write ? 'w' : 'r'}\u0000${apiKey}`;
    const now = performance.now();
    let bucket = this.buckets.get(name);
    if (bucket === undefined) {
      bucket = { tokens: perSecond, updatedAt: now };
      this.buckets.set(name, bucket);
    }
    bucket.tokens = Math.min(
      perSecond,
      bucket.tokens + ((now - bucket.updatedAt) / 1000) * perSecond,
    );
    bucket.updatedAt = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  reset(): void {
    this.buckets.clear();
  }
}
