import type { FaultKind } from './realism';

export interface CounterSet {
  /** API requests received (authenticated), answered or not. */
  total: number;
  /** By route, as `METHOD /v1/pattern/:id`. */
  byEndpoint: Record<string, number>;
  /** 429 `rate_limit` answers. */
  rateLimited: number;
  /** 429 `lock_timeout` answers. */
  lockTimeouts: number;
  /** Injected faults, by kind. */
  faults: Record<FaultKind, number>;
  /** Answers replayed from an `Idempotency-Key`. */
  idempotentReplays: number;
}

export interface Counters extends CounterSet {
  /** When counting began (start, or the last reset), ISO 8601. */
  since: string;
  /** The same, per API key (keys shown masked, as Stripe shows them). */
  byKey: Record<string, CounterSet>;
}

function emptySet(): CounterSet {
  return {
    total: 0,
    byEndpoint: {},
    rateLimited: 0,
    lockTimeouts: 0,
    faults: { '500': 0, '503': 0, timeout: 0, reset: 0 },
    idempotentReplays: 0,
  };
}

/** `sk_test_…abcd`: enough to tell keys apart, not enough to use one. */
export function maskKey(key: string): string {
  const prefix = /^(sk|rk|pk)_(test|live)_/.exec(key)?.[0] ?? '';
  return `${prefix}…${key.slice(-4)}`;
}

/**
 * What the API was asked, so that a benchmark can report Stripe calls per event and how often
 * the limiter said no. Counted in memory (not state): a restart or a reset starts from zero.
 */
export class RequestCounters {
  private all = emptySet();
  private perKey = new Map<string, CounterSet>();
  private since = new Date();

  private sets(apiKey: string): CounterSet[] {
    let keyed = this.perKey.get(apiKey);
    if (keyed === undefined) {
      keyed = emptySet();
      this.perKey.set(apiKey, keyed);
    }
    return [this.all, keyed];
  }

  request(apiKey: string, endpoint: string): void {
    for (const set of this.sets(apiKey)) {
      set.total += 1;
      set.byEndpoint[endpoint] = (set.byEndpoint[endpoint] ?? 0) + 1;
    }
  }

  rateLimited(apiKey: string): void {
    for (const set of this.sets(apiKey)) set.rateLimited += 1;
  }

  lockTimeout(apiKey: string): void {
    for (const set of this.sets(apiKey)) set.lockTimeouts += 1;
  }

  fault(apiKey: string, kind: FaultKind): void {
    for (const set of this.sets(apiKey)) set.faults[kind] += 1;
  }

  replay(apiKey: string): void {
    for (const set of this.sets(apiKey)) set.idempotentReplays += 1;
  }

  /** All counters, or one key's (the key in full, as the client sends it). */
  read(apiKey?: string): Counters | (CounterSet & { since: string }) {
    const since = this.since.toISOString();
    if (apiKey !== undefined)
      return structuredClone({ ...(this.perKey.get(apiKey) ?? emptySet()), since });
    const byKey: Record<string, CounterSet> = {};
    for (const [key, set] of this.perKey) byKey[maskKey(key)] = set;
    return structuredClone({ ...this.all, since, byKey });
  }

  /** Starts again from zero; answers what was counted until now. */
  reset(): Counters {
    const before = this.read() as Counters;
    this.all = emptySet();
    this.perKey = new Map();
    this.since = new Date();
    return before;
  }
}
