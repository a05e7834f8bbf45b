/**
 * Bulk work that yields to requests. A step of bulk work (a webhook delivery being verified and
 * applied, its answer being sent) first awaits `next()`; the steps waiting then run in the event
 * loop's check phase, in arrival order, until `sliceMs` have passed, and the rest wait for the
 * next turn of the loop. Between slices the loop polls its sockets, so a request that arrives
 * during a burst (a user's page asking for its plan) is read, and its database answer handled,
 * without waiting behind every delivery of the burst: it waits for one slice at most.
 *
 * Throughput is unchanged: while steps wait, the loop does not sleep, it only alternates. A step
 * that holds a lock or a pool connection must not wait here (the lock would be held longer):
 * callers yield before a transaction begins and after it ends.
 */
export class BackgroundSlices {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  constructor(readonly sliceMs: number) {
    if (!(sliceMs > 0)) throw new RangeError(`a slice must last some time (got ${sliceMs})`);
  }

  /** Steps waiting for a slice (metrics, tests). */
  get backlog(): number {
    return this.waiting.length;
  }

  /** Resolves when the caller's step may run: in a slice, after the steps queued before it. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.runSlice);
      }
    });
  }

  private readonly runSlice = (): void => {
    void this.slice();
  };

  private async slice(): Promise<void> {
    const ends = performance.now() + this.sliceMs;
    do {
      (this.waiting.shift() as () => void)();
      // The released step runs to its next await before the clock is read again: its
      // continuation was queued ahead of this one's.
      await Promise.resolve();
      await Promise.resolve();
    } while (this.waiting.length > 0 && performance.now() < ends);
    if (this.waiting.length > 0) setImmediate(this.runSlice);
    else this.scheduled = false;
  }
}

/** Milliseconds of bulk work per turn of the event loop before requests get their turn. */
export const BACKGROUND_SLICE_MS = 2;

/** The process's one queue of bulk work (the event loop is the process's). */
export const backgroundSlices = new BackgroundSlices(BACKGROUND_SLICE_MS);
