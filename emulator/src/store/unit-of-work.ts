import type { ContainerTracker, StateContainer, StateKey } from './state-container';

/** One changed entry: its container, key and new JSON (undefined: deleted). */
export interface StateChange {
  container: StateContainer;
  key: StateKey;
  json: string | undefined;
}

/** Receives every committed change set, in commit order (the state file appends it). */
export type CommitListener = (changes: StateChange[]) => void;

/** Marks "tracking suspended": touches are ignored. */
const UNTRACKED: Unit = { touched: new Map(), afterCommit: [], implicit: false };

interface Unit {
  /** Before-images: the JSON each touched entry had when the unit first touched it. */
  touched: Map<StateContainer, Map<StateKey, string | undefined>>;
  afterCommit: (() => void)[];
  implicit: boolean;
}

/**
 * Per-request atomicity for the whole emulator, with no per-endpoint code. A unit of work
 * records the JSON of every entry a request touches, the first time it touches it — before the
 * domain code changes it, in place or by `put`/`delete`. When the request fails the touched
 * entries are put back; when it succeeds, the entries whose JSON changed are the change set
 * handed to the state file, and the callbacks queued with `afterCommit` (webhook sends) run.
 * A failed request therefore changes nothing and its events are never delivered.
 *
 * Work outside an explicit unit (timers, async continuations) is gathered into an implicit unit
 * committed at the end of the current microtask, so that nothing escapes persistence.
 */
export class UnitOfWork implements ContainerTracker {
  private current: Unit | null = null;
  private readonly listeners: CommitListener[] = [];
  private readonly log: (line: string) => void;

  constructor(log: (line: string) => void = () => undefined) {
    this.log = log;
  }

  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  get active(): boolean {
    return this.current !== null && !this.current.implicit;
  }

  /**
   * Runs `work` atomically: its changes are committed when it returns and undone when it throws
   * (unless `keepsEffects` says the error is an outcome to record, such as a declined payment).
   * Nested calls join the outer unit. Only the synchronous part of `work` is covered.
   */
  run<T>(work: () => T, keepsEffects: (error: unknown) => boolean = () => false): T {
    if (this.current !== null && !this.current.implicit && this.current !== UNTRACKED)
      return work();
    this.commitImplicit();
    const outer = this.current === UNTRACKED ? UNTRACKED : null;
    const unit: Unit = { touched: new Map(), afterCommit: [], implicit: false };
    this.current = unit;
    let result: T;
    try {
      result = work();
    } catch (error) {
      this.current = outer;
      if (keepsEffects(error)) this.commit(unit);
      else this.rollback(unit);
      throw error;
    }
    this.current = outer;
    this.commit(unit);
    return result;
  }

  /** Runs `work` with no unit (reads for the control API); anything it changes is not tracked. */
  untracked<T>(work: () => T): T {
    this.commitImplicit();
    const previous = this.current;
    this.current = UNTRACKED;
    try {
      return work();
    } finally {
      this.current = previous;
    }
  }

  /** Runs `callback` once the current unit has committed (at once when there is none). */
  afterCommit(callback: () => void): void {
    if (this.current === null || this.current === UNTRACKED) {
      callback();
      return;
    }
    this.current.afterCommit.push(callback);
  }

  touch(container: StateContainer, key: StateKey): void {
    const unit = this.current ?? this.openImplicit();
    if (unit === UNTRACKED) return;
    let entries = unit.touched.get(container);
    if (entries === undefined) {
      entries = new Map();
      unit.touched.set(container, entries);
    }
    if (!entries.has(key)) entries.set(key, container.entryJson(key));
  }

  /** Commits whatever an implicit unit gathered (before an explicit one starts, or at close). */
  commitImplicit(): void {
    const unit = this.current;
    if (unit === null || !unit.implicit) return;
    this.current = null;
    this.commit(unit);
  }

  private openImplicit(): Unit {
    const unit: Unit = { touched: new Map(), afterCommit: [], implicit: true };
    this.current = unit;
    queueMicrotask(() => {
      if (this.current === unit) this.commitImplicit();
    });
    return unit;
  }

  /**
   * Hands the change set to the listeners (the state file writes it before this returns, so a
   * response is sent only once its effects are durable). If that fails the unit is undone and
   * the error reaches the request, which then answers 500 having changed nothing.
   */
  private commit(unit: Unit): void {
    const changes: StateChange[] = [];
    for (const [container, entries] of unit.touched) {
      for (const [key, before] of entries) {
        const after = container.entryJson(key);
        if (after !== before) changes.push({ container, key, json: after });
      }
    }
    if (changes.length > 0) {
      try {
        for (const listener of this.listeners) listener(changes);
      } catch (error) {
        this.rollback(unit);
        if (!unit.implicit) throw error;
        this.log(
          `emulator: could not persist a change: ${error instanceof Error ? error.message : String(error)}`,
        );
        return;
      }
    }
    for (const container of unit.touched.keys()) container.afterCommit?.();
    for (const callback of unit.afterCommit) {
      try {
        callback();
      } catch (error) {
        this.log(
          `emulator: a post-commit step failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  private rollback(unit: Unit): void {
    for (const [container, entries] of unit.touched) {
      for (const [key, before] of entries) container.restoreEntry(key, before);
    }
  }
}
