import { invalidRequest } from '../http/stripe-error';
import type { ContainerTracker, StateContainer, StateKey } from './state-container';

export interface StripeList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

export interface PageRequest {
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
}

/**
 * One resource's objects: a Map for O(1) retrieve-by-id, plus creation order so that lists come
 * newest first, as Stripe's do. Deleted ids stay in `order` as holes that lists skip; `compact`
 * keeps the holes from piling up.
 *
 * Every access that hands out an object (`get`, iteration, list pages) or changes one (`put`,
 * `delete`) is reported to the tracker first, so that a request's unit of work can undo it and
 * persist it (see unit-of-work.ts): domain code may change an object in place after `get`.
 */
export class Collection<T extends { id: string }> implements StateContainer {
  stateName = '';
  tracker: ContainerTracker | null = null;
  private readonly byId = new Map<string, T>();
  private order: string[] = [];
  private readonly position = new Map<string, number>();
  private holes = 0;
  /** Index in `order` before which every id is a hole (the oldest live object is at or after it). */
  private oldestScan = 0;

  get size(): number {
    return this.byId.size;
  }

  get(id: string): T | undefined {
    this.tracker?.touch(this, id);
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Inserts a new object, or replaces an existing one in place (its list position is kept). */
  put(object: T): T {
    this.tracker?.touch(this, object.id);
    this.place(object.id);
    this.byId.set(object.id, object);
    return object;
  }

  delete(id: string): boolean {
    if (!this.byId.has(id)) return false;
    this.tracker?.touch(this, id);
    this.byId.delete(id);
    this.holes += 1;
    if (this.tracker === null) this.afterCommit();
    return true;
  }

  clear(): void {
    for (const id of this.byId.keys()) this.tracker?.touch(this, id);
    this.byId.clear();
    this.order = [];
    this.position.clear();
    this.holes = 0;
    this.oldestScan = 0;
  }

  /** All objects, newest first. */
  *newestFirst(): Generator<T> {
    for (let i = this.order.length - 1; i >= 0; i -= 1) {
      const id = this.order[i];
      const object = this.byId.get(id);
      if (object === undefined) continue;
      this.tracker?.touch(this, id);
      yield object;
    }
  }

  /** All objects, oldest first. */
  *values(): Generator<T> {
    for (const [id, object] of this.byId) {
      this.tracker?.touch(this, id);
      yield object;
    }
  }

  /** The id of the oldest object still present (for bounded stores that drop their oldest). */
  oldestId(): string | undefined {
    while (this.oldestScan < this.order.length) {
      const id = this.order[this.oldestScan];
      if (this.byId.has(id)) return id;
      this.oldestScan += 1;
    }
    return undefined;
  }

  /**
   * A page of the newest-first list. Cursors are positions in creation order, so paging needs no
   * scan before the cursor.
   */
  page(
    request: PageRequest,
    url: string,
    matches: (object: T) => boolean = () => true,
  ): StripeList<T> {
    const data: T[] = [];
    if (request.endingBefore !== undefined) {
      const cursor = this.cursorPosition(request.endingBefore, 'ending_before');
      // Walk towards newer objects, then present them newest first.
      let index = cursor + 1;
      for (; index < this.order.length && data.length < request.limit; index += 1) {
        const object = this.byId.get(this.order[index]);
        if (object !== undefined && matches(object)) data.push(object);
      }
      for (const object of data) this.tracker?.touch(this, object.id);
      let hasMore = false;
      for (; index < this.order.length; index += 1) {
        const object = this.byId.get(this.order[index]);
        if (object !== undefined && matches(object)) {
          hasMore = true;
          break;
        }
      }
      return { object: 'list', data: data.reverse(), has_more: hasMore, url };
    }
    let index =
      request.startingAfter === undefined
        ? this.order.length - 1
        : this.cursorPosition(request.startingAfter, 'starting_after') - 1;
    for (; index >= 0 && data.length < request.limit; index -= 1) {
      const object = this.byId.get(this.order[index]);
      if (object !== undefined && matches(object)) data.push(object);
    }
    // Only what the page hands out counts as accessed: `matches` only reads.
    for (const object of data) this.tracker?.touch(this, object.id);
    let hasMore = false;
    for (; index >= 0; index -= 1) {
      const object = this.byId.get(this.order[index]);
      if (object !== undefined && matches(object)) {
        hasMore = true;
        break;
      }
    }
    return { object: 'list', data, has_more: hasMore, url };
  }

  private cursorPosition(id: string, param: string): number {
    const position = this.position.get(id);
    if (position === undefined)
      throw invalidRequest(`No such object: '${id}'`, 'resource_missing', param);
    return position;
  }

  private place(id: string): void {
    if (this.position.has(id)) return;
    this.position.set(id, this.order.length);
    this.order.push(id);
  }

  /**
   * Drops the holes once they are many. Never while a request may still roll back: a restored
   * object must find its list position again.
   */
  afterCommit(): void {
    if (this.holes > 1024 && this.holes > this.order.length / 2) this.compact();
  }

  private compact(): void {
    this.order = this.order.filter((id) => this.byId.has(id));
    this.position.clear();
    this.order.forEach((id, index) => this.position.set(id, index));
    this.holes = 0;
    this.oldestScan = 0;
  }

  // --- StateContainer: untracked access for the unit of work and the state file -------------

  entryJson(key: StateKey): string | undefined {
    const object = this.byId.get(String(key));
    return object === undefined ? undefined : JSON.stringify(object);
  }

  restoreEntry(key: StateKey, json: string | undefined): void {
    const id = String(key);
    if (json === undefined) {
      // A rolled-back creation leaves a hole at its position, as a delete does.
      if (this.byId.delete(id)) this.holes += 1;
      return;
    }
    if (!this.byId.has(id) && this.position.has(id)) this.holes -= 1;
    this.place(id);
    this.byId.set(id, JSON.parse(json) as T);
  }

  *dumpEntries(): Iterable<[StateKey, string]> {
    for (const id of this.order) {
      const object = this.byId.get(id);
      if (object !== undefined) yield [id, JSON.stringify(object)];
    }
  }

  loadEntry(key: StateKey, value: unknown): void {
    const id = String(key);
    if (value === undefined) {
      if (this.byId.delete(id)) this.holes += 1;
      return;
    }
    if (!this.byId.has(id) && this.position.has(id)) this.holes -= 1;
    this.place(id);
    this.byId.set(id, value as T);
  }

  allKeys(): StateKey[] {
    return [...this.byId.keys()];
  }
}

/** Lists built from an array already ordered newest first (sub-lists such as invoice lines). */
export function pageOfArray<T extends { id: string }>(
  items: readonly T[],
  request: PageRequest,
  url: string,
): StripeList<T> {
  let start = 0;
  let end = items.length;
  if (request.startingAfter !== undefined)
    start = items.findIndex((item) => item.id === request.startingAfter) + 1;
  if (request.endingBefore !== undefined) {
    end = Math.max(
      0,
      items.findIndex((item) => item.id === request.endingBefore),
    );
    start = Math.max(0, end - request.limit);
  }
  const data = items.slice(start, Math.min(end, start + request.limit));
  return { object: 'list', data, has_more: start + data.length < end, url };
}
