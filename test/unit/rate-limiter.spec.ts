import { FixedWindowThrottlerStorage } from '../../src/throttling/fixed-window.storage';

describe('FixedWindowThrottlerStorage', () => {
  afterEach(() => jest.useRealTimers());

  it('counts hits per client in a window, blocks past the limit, and starts again when it ends', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const storage = new FixedWindowThrottlerStorage();
    for (let i = 1; i <= 3; i += 1) {
      expect(await storage.increment('1.2.3.4', 60_000, 3, 0, 'default')).toMatchObject({
        totalHits: i,
        isBlocked: false,
      });
    }
    const blocked = await storage.increment('1.2.3.4', 60_000, 3, 0, 'default');
    expect(blocked).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 60 });
    expect(await storage.increment('5.6.7.8', 60_000, 3, 0, 'default')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });

    jest.setSystemTime(1_000_000 + 30_000);
    expect((await storage.increment('1.2.3.4', 60_000, 3, 0, 'default')).timeToBlockExpire).toBe(
      30,
    );
    jest.setSystemTime(1_000_000 + 60_000);
    expect(await storage.increment('1.2.3.4', 60_000, 3, 0, 'default')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
  });
});
