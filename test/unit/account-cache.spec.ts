import { AccountCache } from '../../src/entitlements/account-cache';

/** A load the test settles by hand, counting how often it ran. */
function controlledLoad<V>() {
  const calls: { resolve: (value: V) => void; reject: (error: Error) => void }[] = [];
  const load = () =>
    new Promise<V>((resolve, reject) => {
      calls.push({ resolve, reject });
    });
  return { load, calls };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('AccountCache', () => {
  let wall = 1_000_000;
  const clock = () => wall;

  it('serves a stored value until its time to live runs out', async () => {
    const cache = new AccountCache<string>(1000, 10, clock);
    let loads = 0;
    const load = () => Promise.resolve(`v${++loads}`);
    expect(await cache.get('a', load)).toBe('v1');
    wall += 999;
    expect(await cache.get('a', load)).toBe('v1');
    wall += 1;
    expect(await cache.get('a', load)).toBe('v2');
  });

  it('does not cache at all with a zero time to live', async () => {
    const cache = new AccountCache<number>(0, 10, clock);
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    await cache.get('a', load);
    await cache.get('a', load);
    expect(loads).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('shares one load among concurrent misses for an account', async () => {
    const cache = new AccountCache<string>(1000, 10, clock);
    const { load, calls } = controlledLoad<string>();
    const both = Promise.all([cache.get('a', load), cache.get('a', load)]);
    await flush();
    expect(calls).toHaveLength(1);
    calls[0].resolve('x');
    expect(await both).toEqual(['x', 'x']);
  });

  it('reloads after an invalidation, and only for the accounts named', async () => {
    const cache = new AccountCache<string>(60_000, 10, clock);
    let loads = 0;
    const load = () => Promise.resolve(`v${++loads}`);
    await cache.get('a', load);
    await cache.get('b', load);
    cache.invalidate(new Set(['a']));
    expect(await cache.get('a', load)).toBe('v3');
    expect(await cache.get('b', load)).toBe('v2');
    cache.clear();
    expect(await cache.get('b', load)).toBe('v4');
  });

  it('never stores a load that an invalidation overtook', async () => {
    const cache = new AccountCache<string>(60_000, 10, clock);
    const { load, calls } = controlledLoad<string>();
    const stale = cache.get('a', load);
    await flush();
    cache.invalidate(['a']);
    // A request after the invalidation does not join the stale load.
    const fresh = cache.get('a', load);
    await flush();
    expect(calls).toHaveLength(2);
    calls[0].resolve('before-commit');
    calls[1].resolve('after-commit');
    expect(await stale).toBe('before-commit');
    expect(await fresh).toBe('after-commit');
    expect(await cache.get('a', () => Promise.resolve('unused'))).toBe('after-commit');
  });

  it('does not store a failed load, and lets the next request retry', async () => {
    const cache = new AccountCache<string>(60_000, 10, clock);
    await expect(cache.get('a', () => Promise.reject(new Error('db down')))).rejects.toThrow(
      'db down',
    );
    expect(await cache.get('a', () => Promise.resolve('ok'))).toBe('ok');
  });

  it('stays within its bound, dropping the oldest entries first', async () => {
    const cache = new AccountCache<string>(60_000, 3, clock);
    for (const id of ['a', 'b', 'c', 'd']) await cache.get(id, () => Promise.resolve(id));
    expect(cache.size).toBe(3);
    expect(await cache.get('a', () => Promise.resolve('reloaded'))).toBe('reloaded');
    expect(await cache.get('d', () => Promise.resolve('unused'))).toBe('d');
  });
});
