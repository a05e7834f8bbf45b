interface Waiter {
  resolve: () => void;
}

/**
 * Per-object locks for writes, as Stripe takes them: a write holds the objects it changes for
 * as long as it runs; another write to one of them waits its turn, up to a bound, and then gets
 * `lock_timeout`. Reads never wait.
 */
export class ObjectLocks {
  private readonly held = new Map<string, Waiter[]>();

  /**
   * Acquires every id (in a fixed order, so two writes never wait for each other in a cycle).
   * Resolves to a release function, or to null when `waitMs` passed first (nothing is held then).
   */
  async acquire(ids: readonly string[], waitMs: number): Promise<(() => void) | null> {
    const sorted = [...new Set(ids)].sort();
    const acquired: string[] = [];
    const deadline = performance.now() + waitMs;
    for (const id of sorted) {
      if (!(await this.acquireOne(id, deadline - performance.now()))) {
        for (const held of acquired) this.release(held);
        return null;
      }
      acquired.push(id);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const id of acquired) this.release(id);
    };
  }

  private acquireOne(id: string, waitMs: number): Promise<boolean> {
    const queue = this.held.get(id);
    if (queue === undefined) {
      this.held.set(id, []);
      return Promise.resolve(true);
    }
    if (waitMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        const index = queue.indexOf(waiter);
        if (index !== -1) queue.splice(index, 1);
        resolve(false);
      }, waitMs);
      queue.push(waiter);
    });
  }

  /** Hands the lock to the next waiter, or frees it. */
  private release(id: string): void {
    const queue = this.held.get(id);
    if (queue === undefined) return;
    const next = queue.shift();
    if (next === undefined) this.held.delete(id);
    else next.resolve();
  }
}
