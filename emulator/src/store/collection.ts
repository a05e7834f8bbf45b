import { invalidRequest } from '../http/stripe-error';

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
 */
export class Collection<T extends { id: string }> {
  private readonly byId = new Map<string, T>();
  private order: string[] = [];
  private readonly position = new Map<string, number>();
  private holes = 0;

  get size(): number {
    return this.byId.size;
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Inserts a new object, or replaces an existing one in place (its list position is kept). */
  put(object: T): T {
    if (!this.position.has(object.id)) {
      this.position.set(object.id, this.order.length);
      this.order.push(object.id);
    }
    this.byId.set(object.id, object);
    return object;
  }

  delete(id: string): boolean {
    if (!this.byId.delete(id)) return false;
    this.holes += 1;
    if (this.holes > 1024 && this.holes > this.order.length / 2) this.compact();
    return true;
  }

  clear(): void {
    this.byId.clear();
    this.order = [];
    this.position.clear();
    this.holes = 0;
  }

  /** All objects, newest first. */
  *newestFirst(): Generator<T> {
    for (let i = this.order.length - 1; i >= 0; i -= 1) {
      const object = this.byId.get(this.order[i]);
      if (object !== undefined) yield object;
    }
  }

  values(): IterableIterator<T> {
    return this.byId.values();
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

  private compact(): void {
    this.order = this.order.filter((id) => this.byId.has(id));
    this.position.clear();
    this.order.forEach((id, index) => this.position.set(id, index));
    this.holes = 0;
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
