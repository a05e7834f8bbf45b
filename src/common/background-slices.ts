/**
 * Bulk work that yields to requests. A step of bulk work (a webhook delivery being verified and
 * applied, its answer being sent) first awaits `next()`; the steps waiting then run in the event
 * loop's check phase, in arrival order, until `sliceMs` have passed, and the rest wait for the
 * next turn of the loop. Between slices the loop polls its sockets, so a request that arrives
 * during a burst (a user's page asking for its plan) is read, and its database answer handled,
 * without waiting behind every delivery of the burst: it waits for one slice at most.
 *
 * Throughput is unchanged: while steps wait, the loop does not sleep, it only alternates. A step
 * that holds a transaction (a pool connection, a customer's lock) waits in a lane of its own,
 * served first, so that the lock is held only until the next slice.
 */
export class BackgroundSlices {
  private readonly waiting: (() => void)[] = [];
  /** Steps that hold a transaction (and its locks): served before every other step. */
  private readonly holding: (() => void)[] = [];
  private scheduled = false;

  constructor(readonly sliceMs: number) {
    if (!(sliceMs > 0)) throw new RangeError(`a slice must last some time (got ${sliceMs})`);
  }

  /** Steps waiting for a slice (the `billing_background_steps_waiting` gauge). */
  get backlog(): number {
    return this.waiting.length + this.holding.length;
  }

  /**
   * Resolves when the caller's step may run: in a slice, after the steps queued before it. A
   * step that holds a transaction says so and goes ahead of the others, so that its locks are
   * held for as short a time as possible.
   */
  next(options: { holdsTransaction?: boolean } = {}): Promise<void> {
    return new Promise((resolve) => {
      (options.holdsTransaction === true ? this.holding : this.waiting).push(resolve);
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
      const step = this.holding.shift() ?? this.waiting.shift();
      step?.();
      // The released step runs to its next await before the clock is read again: its
      // continuation was queued ahead of this one's.
      await Promise.resolve();
      await Promise.resolve();
    } while (this.backlog > 0 && performance.now() < ends);
    if (this.backlog > 0) setImmediate(this.runSlice);
    else this.scheduled = false;
  }
}

/** Milliseconds of bulk work per turn of the event loop before requests get their turn. */
export const BACKGROUND_SLICE_MS = 1;

/** The process's one queue of bulk work (the event loop is the process's). */
export const backgroundSlices = new BackgroundSlices(BACKGROUND_SLICE_MS);
