import { invalidRequest } from './stripe-error';

/**
 * Switches that make the emulator behave like Stripe under load and over a network: latency,
 * Stripe's rate limiter, `lock_timeout` on concurrent writes to one object, and injected server
 * errors, timeouts and connection resets. All off by default; set at start (flags, variables,
 * `startEmulator({realism})`) and changed at run time with `POST /_emulator/realism`. They apply
 * to the API (`/v1`) only, never to the control API or the pages.
 */
export interface LatencySetting {
  /** Every request takes this long. */
  fixedMs?: number;
  /** Or a log-normal distribution with this median… */
  p50Ms?: number;
  /** …and this 99th percentile (a tail, as Stripe's has). */
  p99Ms?: number;
}

export const FAULT_KINDS = ['500', '503', 'timeout', 'reset'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export const FAULT_PHASES = ['before', 'after', 'both'] as const;
export type FaultPhase = (typeof FAULT_PHASES)[number];

export interface FaultSetting {
  /** Share of API requests that get a fault (0–1). */
  rate: number;
  /** The next N API requests get a fault, whatever the rate (deterministic, for tests). */
  next?: number;
  /** Picked uniformly for each faulty request. */
  kinds: FaultKind[];
  /**
   * `before`: the request is refused or dropped before it changes anything. `after`: it is done
   * (and its idempotent result stored), but the answer is lost — a retry with the same
   * `Idempotency-Key` then gets the stored answer, as with Stripe. `both`: either, half each.
   * Requests without an `Idempotency-Key` (GET, DELETE) always get theirs `before`.
   */
  phase: FaultPhase;
  /** How long a `timeout` holds the connection before dropping it. */
  timeoutMs: number;
}

export interface RealismOptions {
  latency: LatencySetting | null;
  /**
   * Stripe's rate limiter, per API key, with a read and a write budget per second: `stripe`
   * takes Stripe's documented budgets by key prefix (25 in test mode, 100 in live mode); a
   * number sets both budgets.
   */
  rateLimit: 'stripe' | number | null;
  /**
   * Writes to one object (the ids in the path) hold a lock while they run; another write to it
   * waits up to `waitMs`, then gets 429 `lock_timeout`.
   */
  locks: { waitMs: number } | null;
  faults: FaultSetting | null;
}

export const REALISM_OFF: RealismOptions = {
  latency: null,
  rateLimit: null,
  locks: null,
  faults: null,
};

export const DEFAULT_LOCK_WAIT_MS = 1_000;
export const DEFAULT_FAULT_TIMEOUT_MS = 30_000;

/** Stripe's documented budgets, per second, for reads and for writes alike. */
export function stripeBudgetFor(apiKey: string): number {
  return /^(sk|rk)_live_/.test(apiKey) ? 100 : 25;
}

function fail(param: string, message: string): never {
  throw invalidRequest(message, 'parameter_invalid', param);
}

function nonNegative(value: unknown, param: string, max = 600_000): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max)
    fail(param, `\`${param}\` must be a number from 0 to ${max}.`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, keys: string[], param: string): void {
  for (const key of Object.keys(value))
    if (!keys.includes(key)) fail(`${param}.${key}`, `Unknown setting \`${param}.${key}\`.`);
}

export function parseLatency(value: unknown): LatencySetting | null {
  if (value === null) return null;
  if (!isObject(value)) fail('latency', '`latency` must be {fixedMs} or {p50Ms, p99Ms}, or null.');
  onlyKeys(value, ['fixedMs', 'p50Ms', 'p99Ms'], 'latency');
  if (value.fixedMs !== undefined) {
    if (value.p50Ms !== undefined || value.p99Ms !== undefined)
      fail('latency', '`latency` takes fixedMs or p50Ms/p99Ms, not both.');
    return { fixedMs: nonNegative(value.fixedMs, 'latency.fixedMs') };
  }
  const p50Ms = nonNegative(value.p50Ms, 'latency.p50Ms');
  const p99Ms = nonNegative(value.p99Ms ?? p50Ms, 'latency.p99Ms');
  if (p99Ms < p50Ms) fail('latency.p99Ms', '`latency.p99Ms` must be at least p50Ms.');
  return { p50Ms, p99Ms };
}

export function parseRateLimit(value: unknown): RealismOptions['rateLimit'] {
  if (value === null || value === 'stripe') return value;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 100_000)
    return value;
  return fail(
    'rateLimit',
    '`rateLimit` must be "stripe", a whole number of requests per second, or null.',
  );
}

export function parseLocks(value: unknown): RealismOptions['locks'] {
  if (value === null) return null;
  if (!isObject(value)) fail('locks', '`locks` must be {waitMs} or null.');
  onlyKeys(value, ['waitMs'], 'locks');
  return {
    waitMs:
      value.waitMs === undefined
        ? DEFAULT_LOCK_WAIT_MS
        : nonNegative(value.waitMs, 'locks.waitMs', 60_000),
  };
}

export function parseFaults(value: unknown): FaultSetting | null {
  if (value === null) return null;
  if (!isObject(value))
    fail('faults', '`faults` must be {rate, kinds?, phase?, timeoutMs?} or null.');
  onlyKeys(value, ['rate', 'next', 'kinds', 'phase', 'timeoutMs'], 'faults');
  const rate = nonNegative(value.rate ?? 0, 'faults.rate', 1);
  const next = value.next === undefined ? undefined : nonNegative(value.next, 'faults.next', 1e6);
  const kinds = value.kinds ?? ['500', '503'];
  if (
    !Array.isArray(kinds) ||
    kinds.length === 0 ||
    !kinds.every((kind) => (FAULT_KINDS as readonly unknown[]).includes(kind))
  )
    fail('faults.kinds', `\`faults.kinds\` must be a list of ${FAULT_KINDS.join(', ')}.`);
  const phase = value.phase ?? 'both';
  if (!(FAULT_PHASES as readonly unknown[]).includes(phase))
    fail('faults.phase', `\`faults.phase\` must be one of ${FAULT_PHASES.join(', ')}.`);
  return {
    rate,
    ...(next === undefined ? {} : { next: Math.floor(next) }),
    kinds: [...new Set(kinds as FaultKind[])],
    phase: phase as FaultPhase,
    timeoutMs:
      value.timeoutMs === undefined
        ? DEFAULT_FAULT_TIMEOUT_MS
        : nonNegative(value.timeoutMs, 'faults.timeoutMs'),
  };
}

/** A control-API patch: each given key replaces that switch (null turns it off). */
export function parseRealismPatch(body: Record<string, unknown>): Partial<RealismOptions> {
  onlyKeys(body, ['latency', 'rateLimit', 'locks', 'faults'], 'realism');
  const patch: Partial<RealismOptions> = {};
  if (body.latency !== undefined) patch.latency = parseLatency(body.latency);
  if (body.rateLimit !== undefined) patch.rateLimit = parseRateLimit(body.rateLimit);
  if (body.locks !== undefined) patch.locks = parseLocks(body.locks);
  if (body.faults !== undefined) patch.faults = parseFaults(body.faults);
  return patch;
}

/** A standard normal draw (Box–Muller). */
function standardNormal(): number {
  const u = 1 - Math.random();
  const v = Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** z of the 99th percentile of the standard normal. */
const Z_99 = 2.3263;

/** One request's latency, in ms. */
export function sampleLatency(setting: LatencySetting | null): number {
  if (setting === null) return 0;
  if (setting.fixedMs !== undefined) return setting.fixedMs;
  const p50 = setting.p50Ms ?? 0;
  const p99 = setting.p99Ms ?? p50;
  if (p50 <= 0 || p99 <= p50) return p50;
  // Log-normal: the median is p50, and p99 sits Z_99 standard deviations up (in log space).
  const sigma = Math.log(p99 / p50) / Z_99;
  // Bounded, so that one unlucky draw does not stall a test run.
  return Math.min(p50 * Math.exp(sigma * standardNormal()), p99 * 10);
}

export interface PlannedFault {
  kind: FaultKind;
  phase: 'before' | 'after';
  timeoutMs: number;
}

/**
 * Whether this request gets a fault, and which. `after` faults only go to requests Stripe could
 * replay (`replayable`: they carry an `Idempotency-Key`); the others get theirs `before`.
 */
export function planFault(setting: FaultSetting | null, replayable = true): PlannedFault | null {
  if (setting === null) return null;
  if (setting.next !== undefined && setting.next > 0) setting.next -= 1;
  else if (setting.rate <= 0 || Math.random() >= setting.rate) return null;
  const kind = setting.kinds[Math.floor(Math.random() * setting.kinds.length)];
  const phase =
    setting.phase === 'both' ? (Math.random() < 0.5 ? 'before' : 'after') : setting.phase;
  return { kind, phase: replayable ? phase : 'before', timeoutMs: setting.timeoutMs };
}

/** One line for logs: which switches are on. */
export function describeRealism(options: RealismOptions): string {
  const parts: string[] = [];
  const { latency, rateLimit, locks, faults } = options;
  if (latency !== null)
    parts.push(
      latency.fixedMs !== undefined
        ? `latency ${latency.fixedMs} ms`
        : `latency p50 ${latency.p50Ms} ms / p99 ${latency.p99Ms} ms`,
    );
  if (rateLimit !== null)
    parts.push(
      `rate limit ${rateLimit === 'stripe' ? "Stripe's (25/s test, 100/s live)" : `${rateLimit}/s`}`,
    );
  if (locks !== null) parts.push(`lock_timeout after ${locks.waitMs} ms`);
  if (faults !== null)
    parts.push(`${faults.rate * 100} % faults (${faults.kinds.join(', ')}; ${faults.phase})`);
  return parts.length === 0 ? 'no realism switches' : parts.join(', ');
}
