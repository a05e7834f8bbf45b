import { reservedConnections, SlotGate } from '../../src/database/slot-gate';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SlotGate', () => {
  it('runs at most its capacity at once, the rest in arrival order', async () => {
    const gate = new SlotGate(2);
    const started: number[] = [];
    const release: (() => void)[] = [];
    const runs = [0, 1, 2, 3].map((n) =>
      gate.run(async () => {
        started.push(n);
        await new Promise<void>((resolve) => release.push(resolve));
        return n;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(gate.state).toEqual({ held: 2, waiting: 2 });
    release[1]();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    release[0]();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    release[2]();
    release[3]();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(gate.state).toEqual({ held: 0, waiting: 0 });
  });

  it('frees the slot when the work fails', async () => {
    const gate = new SlotGate(1);
    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(gate.state).toEqual({ held: 0, waiting: 0 });
    expect(await gate.run(() => Promise.resolve('next'))).toBe('next');
  });

  it('refuses a gate without a slot', () => {
    expect(() => new SlotGate(0)).toThrow(RangeError);
  });

  it('reserves a quarter of a pool, at least one, none below three connections', () => {
    expect([1, 2, 3, 4, 8, 10, 20, 40].map(reservedConnections)).toEqual([0, 0, 1, 1, 2, 2, 5, 10]);
  });
});
