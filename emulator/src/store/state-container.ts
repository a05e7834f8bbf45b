/**
 * The contract between the emulator's state containers (`Collection`, `StateMap`, `StateSet`)
 * and the unit of work that makes each request atomic and durable. Every entry is reachable by
 * a key and has a JSON form; the unit of work takes the JSON of an entry the first time a
 * request touches it (its before-image), restores it on rollback, and compares it at commit to
 * find what changed.
 */
export type StateKey = string | number;

/** Told about every access that could change an entry, before the access happens. */
export interface ContainerTracker {
  touch(container: StateContainer, key: StateKey): void;
}

export interface StateContainer {
  /** The EmulatorState field holding this container (its name in the state file). */
  stateName: string;
  tracker: ContainerTracker | null;
  /** The entry's JSON, or undefined when it is absent. Does not count as an access. */
  entryJson(key: StateKey): string | undefined;
  /** Puts an entry back to a JSON form taken earlier (undefined: absent). Not tracked. */
  restoreEntry(key: StateKey, json: string | undefined): void;
  /** Every entry as `[key, JSON]`, in the order a reload must recreate them. Not tracked. */
  dumpEntries(): Iterable<[StateKey, string]>;
  /** Loads one entry from the state file (a parsed JSON value; undefined: delete). Not tracked. */
  loadEntry(key: StateKey, value: unknown): void;
  /** Every key present now (for reset). Not tracked. */
  allKeys(): StateKey[];
  /** Housekeeping that must not run while a request may still roll back. */
  afterCommit?(): void;
}

export function isStateContainer(value: unknown): value is StateContainer {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<StateContainer>).entryJson === 'function' &&
    typeof (value as Partial<StateContainer>).restoreEntry === 'function'
  );
}

/**
 * A `Map` whose accesses are tracked. Values are plain JSON data and may be changed in place
 * after `get` (the before-image is taken at `get`). `has`, `size` and `keys()` expose no value
 * and are not tracked.
 */
export class StateMap<K extends StateKey, V> extends Map<K, V> implements StateContainer {
  declare stateName: string;
  declare tracker: ContainerTracker | null;

  override get(key: K): V | undefined {
    this.tracker?.touch(this, key);
    return super.get(key);
  }

  override set(key: K, value: V): this {
    this.tracker?.touch(this, key);
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    this.tracker?.touch(this, key);
    return super.delete(key);
  }

  override clear(): void {
    for (const key of super.keys()) this.tracker?.touch(this, key);
    super.clear();
  }

  override *values(): MapIterator<V> {
    for (const [key, value] of super.entries()) {
      this.tracker?.touch(this, key);
      yield value;
    }
  }

  override *entries(): MapIterator<[K, V]> {
    for (const entry of super.entries()) {
      this.tracker?.touch(this, entry[0]);
      yield entry;
    }
  }

  override [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  override forEach(callback: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  entryJson(key: StateKey): string | undefined {
    if (!super.has(key as K)) return undefined;
    return JSON.stringify(super.get(key as K));
  }

  restoreEntry(key: StateKey, json: string | undefined): void {
    if (json === undefined) super.delete(key as K);
    else super.set(key as K, JSON.parse(json) as V);
  }

  *dumpEntries(): Iterable<[StateKey, string]> {
    for (const [key, value] of super.entries()) yield [key, JSON.stringify(value)];
  }

  loadEntry(key: StateKey, value: unknown): void {
    if (value === undefined) super.delete(key as K);
    else super.set(key as K, value as V);
  }

  allKeys(): StateKey[] {
    return [...super.keys()];
  }
}

/** A `Set` of ids whose changes are tracked (members are strings or numbers, never objects). */
export class StateSet<T extends StateKey> extends Set<T> implements StateContainer {
  declare stateName: string;
  declare tracker: ContainerTracker | null;

  override add(value: T): this {
    this.tracker?.touch(this, value);
    return super.add(value);
  }

  override delete(value: T): boolean {
    this.tracker?.touch(this, value);
    return super.delete(value);
  }

  override clear(): void {
    for (const value of super.values()) this.tracker?.touch(this, value);
    super.clear();
  }

  entryJson(key: StateKey): string | undefined {
    return super.has(key as T) ? 'true' : undefined;
  }

  restoreEntry(key: StateKey, json: string | undefined): void {
    if (json === undefined) super.delete(key as T);
    else super.add(key as T);
  }

  *dumpEntries(): Iterable<[StateKey, string]> {
    for (const value of super.values()) yield [value, 'true'];
  }

  loadEntry(key: StateKey, value: unknown): void {
    if (value === undefined) super.delete(key as T);
    else super.add(key as T);
  }

  allKeys(): StateKey[] {
    return [...super.values()];
  }
}

/**
 * Makes a plain `Map` or `Set` field a tracked one in place, so that a field declared with
 * `new Map()` is covered like one declared with `new StateMap()`. Its entries are kept.
 */
export function trackedContainer(value: unknown): StateContainer | null {
  if (isStateContainer(value)) return value;
  if (value instanceof Map) {
    Object.setPrototypeOf(value, StateMap.prototype);
    return value as unknown as StateContainer;
  }
  if (value instanceof Set) {
    Object.setPrototypeOf(value, StateSet.prototype);
    return value as unknown as StateContainer;
  }
  return null;
}
