import { FixedWindowStore } from '../../src/throttling/rate-limit.store';
import { RateLimiter } from '../../src/throttling/rate-limiter';

describe('FixedWindowStore', () => {
  afterEach(() => jest.useRealTimers());

  it('counts hits per client in a window and starts again when it ends', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const store = new FixedWindowStore();
    for (let i = 1; i <= 4; i += 1) {
      expect(await store.hit('1.2.3.4', 60_000)).toEqual({ hits: i, resetInMs: 60_000 });
    }
    expect(await store.hit('5.6.7.8', 60_000)).toMatchObject({ hits: 1 });

    jest.setSystemTime(1_000_000 + 30_000);
    expect(await store.hit('1.2.3.4', 60_000)).toEqual({ hits: 5, resetInMs: 30_000 });
    jest.setSystemTime(1_000_000 + 60_000);
    expect(await store.hit('1.2.3.4', 60_000)).toEqual({ hits: 1, resetInMs: 60_000 });
  });
});

describe('RateLimiter', () => {
  afterEach(() => jest.useRealTimers());

  it('allows the limit per key, then refuses with the seconds left in the window', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const limiter = new RateLimiter(new FixedWindowStore(), 'api', 3, 60_000);
    for (let i = 1; i <= 3; i += 1) {
      expect(await limiter.check('account:a')).toMatchObject({ allowed: true, remaining: 3 - i });
    }
    expect(await limiter.check('account:a')).toEqual({
      allowed: false,
      limit: 3,
      remaining: 0,
      retryAfterSeconds: 60,
    });
    expect(await limiter.check('account:b')).toMatchObject({ allowed: true, remaining: 2 });
    jest.setSystemTime(1_000_000 + 30_500);
    expect((await limiter.check('account:a')).retryAfterSeconds).toBe(30);
  });

  it('keeps budgets of different names apart on one store', async () => {
    const store = new FixedWindowStore();
    const api = new RateLimiter(store, 'api', 1, 60_000);
    const webhooks = new RateLimiter(store, 'webhooks', 1, 60_000);
    expect((await api.check('ip:1.2.3.4')).allowed).toBe(true);
    expect((await webhooks.check('ip:1.2.3.4')).allowed).toBe(true);
    expect((await api.check('ip:1.2.3.4')).allowed).toBe(false);
  });
});
