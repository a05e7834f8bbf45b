import type { EmulatorState } from './emulator-state';
import { trackedContainer, type StateContainer } from './state-container';
import { UnitOfWork } from './unit-of-work';

/**
 * The emulator's state with its unit of work: finds every container field of `EmulatorState`
 * (a field added later is covered without further code) and tracks it.
 */
export class StateStore {
  readonly units: UnitOfWork;
  readonly containers: ReadonlyMap<string, StateContainer>;

  constructor(
    readonly state: EmulatorState,
    log: (line: string) => void = () => undefined,
  ) {
    this.units = new UnitOfWork(log);
    const containers = new Map<string, StateContainer>();
    for (const [name, value] of Object.entries(state)) {
      const container = trackedContainer(value);
      if (container === null) {
        throw new Error(
          `EmulatorState.${name} must be a Collection, Map or Set (of JSON data) so that it is persisted and rolled back.`,
        );
      }
      container.stateName = name;
      container.tracker = this.units;
      containers.set(name, container);
    }
    this.containers = containers;
  }

  /** One atomic step (a request): committed when `work` returns, undone when it throws. */
  run<T>(work: () => T, keepsEffects?: (error: unknown) => boolean): T {
    return this.units.run(work, keepsEffects);
  }

  /** Reads that change nothing (control API views): no before-images are taken. */
  read<T>(work: () => T): T {
    return this.units.untracked(work);
  }

  afterCommit(callback: () => void): void {
    this.units.afterCommit(callback);
  }

  /** Empties every container, as one atomic step. */
  clear(): void {
    this.run(() => this.state.clear());
  }

  /** True when nothing at all is stored (a first start). */
  isEmpty(): boolean {
    for (const container of this.containers.values())
      if (container.allKeys().length > 0) return false;
    return true;
  }
}
