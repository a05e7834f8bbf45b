import {
  compareStates,
  eventBounds,
  sameStamp,
  type StoredStamp,
} from '../../../src/sync/engine/state';

const stored = (
  from: number,
  until: number | null,
  progress: number[],
  hash = 'h1',
): StoredStamp => ({
  bounds: { from, until },
  progress,
  hash,
  deleted: false,
  lastEventId: null,
});
const event = (created: number, progress: number[], hash = 'h2') => ({
  bounds: eventBounds(created),
  progress,
  hash,
});

describe('compareStates (DESIGN §6 watermarks)', () => {
  it('applies anything when nothing is stored', () => {
    expect(compareStates(event(100, [0]), null)).toBe('apply');
  });

  it('orders events of different seconds by time', () => {
    expect(compareStates(event(101, [0]), stored(100, 101, [0]))).toBe('apply');
    expect(compareStates(event(99, [5]), stored(100, 101, [0]))).toBe('stale');
  });

  it('orders a same-second tie by counters that only grow, else by content, else asks Stripe', () => {
    expect(compareStates(event(100, [3, 1]), stored(100, 101, [1, 0]))).toBe('apply');
    expect(compareStates(event(100, [1, 0]), stored(100, 101, [3, 1]))).toBe('stale');
    expect(compareStates(event(100, [1, 1], 'same'), stored(100, 101, [1, 1], 'same'))).toBe(
      'same',
    );
    expect(compareStates(event(100, [1, 1], 'a'), stored(100, 101, [1, 1], 'b'))).toBe('ambiguous');
    // Counters that disagree are no order at all.
    expect(compareStates(event(100, [2, 0]), stored(100, 101, [1, 1]))).toBe('ambiguous');
  });

  it('compares with a fetched state by its window, and without an upper bound only by counters', () => {
    const fetched = stored(95, 105, [1]);
    expect(compareStates(event(105, [1]), fetched)).toBe('apply');
    expect(compareStates(event(94, [1]), fetched)).toBe('stale');
    expect(compareStates(event(100, [1]), fetched)).toBe('ambiguous');
    const unbounded = stored(95, null, [1]);
    expect(compareStates(event(10_000, [1]), unbounded)).toBe('ambiguous');
    expect(compareStates(event(10_000, [2]), unbounded)).toBe('apply');
  });

  it('tells unchanged stored states apart', () => {
    expect(sameStamp(stored(1, 2, [0]), stored(1, 2, [0]))).toBe(true);
    expect(sameStamp(stored(1, 2, [0]), stored(1, 3, [0]))).toBe(false);
    expect(sameStamp(null, null)).toBe(true);
  });
});
