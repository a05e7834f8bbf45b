import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import type { RateLimitStore, WindowCount } from './rate-limit.store';

/** Counts and window ends in one atomic round trip: INCR, PEXPIRE on the first hit, PTTL. */
const HIT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {hits, ttl}`;

const KEY_PREFIX = 'billing:rl:';
/** A hit waits at most this long for Redis, then the request is let through. */
const COMMAND_TIMEOUT_MS = 250;
/** At most one warning per this interval while Redis is unreachable. */
const WARN_EVERY_MS = 30_000;

type HitRedis = Redis & {
  rateLimitHit(key: string, windowMs: number): Promise<[number, number]>;
};

/**
 * The fixed-window counters in Redis (REDIS_URL), shared by every instance: N instances behind
 * a balancer give a client one budget, not N. When Redis cannot answer in time the request is
 * let through (a rate limiter must not take the API down with it) and a warning is logged.
 */
export class RedisWindowStore implements RateLimitStore {
  private readonly logger = new Logger(RedisWindowStore.name);
  private readonly redis: HitRedis;
  private lastWarnAt = 0;
  /** Settles when the first connection is up: hits wait for it briefly at start. */
  private readonly firstReady: Promise<void>;

  constructor(url: string) {
    const redis = new Redis(url, {
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: false,
    });
    redis.on('error', (error: Error) => this.warn(error));
    redis.defineCommand('rateLimitHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.redis = redis as HitRedis;
    this.firstReady = new Promise((resolve) => redis.once('ready', () => resolve()));
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    try {
      if (this.redis.status !== 'ready') {
        // Still connecting (the instance just started): wait as long as one command may.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          this.firstReady,
          new Promise((resolve) => {
            timer = setTimeout(resolve, COMMAND_TIMEOUT_MS);
          }),
        ]);
        clearTimeout(timer);
      }
      const [hits, ttl] = await this.redis.rateLimitHit(`${KEY_PREFIX}${key}`, windowMs);
      return { hits, resetInMs: Math.max(0, ttl) };
    } catch (error) {
      this.warn(error as Error);
      return { hits: 0, resetInMs: windowMs };
    }
  }

  /** Settles once the first connection is up (a hit before that fails open after 250 ms). */
  ready(): Promise<void> {
    return this.firstReady;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private warn(error: Error): void {
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_EVERY_MS) return;
    this.lastWarnAt = now;
    this.logger.warn(
      { error: error.message },
      'rate-limit store (Redis) unreachable; requests are not counted meanwhile',
    );
  }
}
