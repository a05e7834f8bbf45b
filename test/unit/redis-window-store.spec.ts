import { randomUUID } from 'node:crypto';
import { RedisWindowStore } from '../../src/throttling/redis-window.store';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('RedisWindowStore', () => {
  it('counts one window per key, shared by every store on the same Redis', async () => {
    const a = new RedisWindowStore(REDIS_URL);
    const b = new RedisWindowStore(REDIS_URL);
    try {
      // Counting is what is tested here; a hit before the connection is up fails open (below).
      await Promise.all([a.ready(), b.ready()]);
      const key = `test:${randomUUID()}`;
      expect((await a.hit(key, 60_000)).hits).toBe(1);
      expect((await b.hit(key, 60_000)).hits).toBe(2);
      const third = await a.hit(key, 60_000);
      expect(third.hits).toBe(3);
      expect(third.resetInMs).toBeGreaterThan(0);
      expect(third.resetInMs).toBeLessThanOrEqual(60_000);
      expect((await b.hit(`test:${randomUUID()}`, 60_000)).hits).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('starts a new window once the last one has ended', async () => {
    const store = new RedisWindowStore(REDIS_URL);
    try {
      await store.ready();
      const key = `test:${randomUUID()}`;
      await store.hit(key, 50);
      await store.hit(key, 50);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect((await store.hit(key, 50)).hits).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('lets requests through, uncounted, when Redis cannot be reached', async () => {
    const store = new RedisWindowStore('redis://127.0.0.1:1');
    try {
      const count = await store.hit(`test:${randomUUID()}`, 60_000);
      expect(count.hits).toBe(0);
      expect(count.resetInMs).toBe(60_000);
    } finally {
      await store.close();
    }
  });
});
