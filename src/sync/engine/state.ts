/**
 * How new a state of one Stripe object is, on Stripe's clock, in whole seconds: the state holds
 * every change made before `from` and none made at or after `until` (null: no known bound).
 * An event's `data.object` is the state of its `created` second: [created, created + 1). A
 * fetched object is the state at some instant during the request: [start − skew, end + skew).
 */
export interface StateBounds {
  from: number;
  until: number | null;
}

/** One state of an object, as the engine compares it with the stored one. */
export interface StateStamp {
  bounds: StateBounds;
  /** Counters that only grow over the object's life (a status rank, attempts, a period start). */
  progress: readonly number[];
  /** A digest of what the state writes: equal digests write equal rows. */
  hash: string;
}

export interface StoredStamp extends StateStamp {
  deleted: boolean;
  lastEventId: string | null;
}

export type Verdict =
  /** Provably newer than what is stored (or nothing is stored): write it. */
  | 'apply'
  /** Provably older than what is stored: nothing to write. */
  | 'stale'
  /** Writes exactly what is stored: nothing to write, whatever the order. */
  | 'same'
  /** Cannot be ordered against what is stored: ask Stripe. */
  | 'ambiguous';

type Order = 'before' | 'after' | 'unknown';

/** Componentwise: a state whose counters are all ≥ another's, one of them >, came later. */
function byProgress(incoming: readonly number[], stored: readonly number[]): Order {
  if (incoming.length !== stored.length || incoming.length === 0) return 'unknown';
  let greater = false;
  let less = false;
  for (let i = 0; i < incoming.length; i++) {
    if (incoming[i] > stored[i]) greater = true;
    else if (incoming[i] < stored[i]) less = true;
  }
  if (greater && !less) return 'after';
  if (less && !greater) return 'before';
  return 'unknown';
}

/**
 * Compares a state with the stored one (DESIGN §6). Time decides when the bounds do not
 * overlap; within one second (or a fetch's window) the object's own monotone counters decide;
 * equal content needs no decision; only what is left is ambiguous and costs a Stripe call.
 */
export function compareStates(incoming: StateStamp, stored: StoredStamp | null): Verdict {
  if (stored === null) return 'apply';
  if (stored.bounds.until !== null && incoming.bounds.from >= stored.bounds.until) return 'apply';
  if (incoming.bounds.until !== null && incoming.bounds.until <= stored.bounds.from) return 'stale';
  const order = byProgress(incoming.progress, stored.progress);
  if (order === 'after') return 'apply';
  if (order === 'before') return 'stale';
  if (incoming.hash === stored.hash) return 'same';
  return 'ambiguous';
}

/** Two stored stamps are the same write (nothing happened to the row in between). */
export function sameStamp(a: StoredStamp | null, b: StoredStamp | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.bounds.from === b.bounds.from &&
    a.bounds.until === b.bounds.until &&
    a.hash === b.hash &&
    a.deleted === b.deleted
  );
}

/** The stamp of an event's payload: the state of the event's `created` second. */
export function eventBounds(created: number): StateBounds {
  return { from: created, until: created + 1 };
}
