import { Injectable, Logger } from '@nestjs/common';

/**
 * busy: every pooled connection stayed taken for DATABASE_POOL_TIMEOUT_MS (or PostgreSQL has no
 * connection slot left) — the database is fine, this instance is overloaded.
 * unavailable: the database cannot be reached, or it closed the connection.
 */
export type DatabaseFailure = 'busy' | 'unavailable';

/** pg-pool's error when every connection stayed checked out for connectionTimeoutMillis. */
export const POOL_WAIT_TIMEOUT_MESSAGE = 'timeout exceeded when trying to connect';

const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Cannot use a pool after calling end on the pool',
  "Can't reach database server",
];
/** SQLSTATE classes 08 (connection exception) and 57P (operator intervention). */
const UNAVAILABLE_SQLSTATES = /^(08\d{3}|57P0[1-3])$/;
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** Prisma's codes for "cannot reach", "timed out", "server closed the connection". */
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017']);
/** The driver adapter's error kinds for the same. */
const UNAVAILABLE_ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TlsConnectionError',
]);

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

/** The error and what it wraps: `cause`, and Prisma's `meta.driverAdapterError`. */
function* chain(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  const queue = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (current === undefined || current === null || seen.has(current) || seen.size > 8) continue;
    seen.add(current);
    yield current;
    queue.push(field(current, 'cause'), field(field(current, 'meta'), 'driverAdapterError'));
  }
}

/** Whether a failure means the database is out of reach or out of connections (else: a bug, a constraint…). */
export function databaseFailureOf(error: unknown): DatabaseFailure | undefined {
  for (const link of chain(error)) {
    const message = field(link, 'message');
    const code = field(link, 'code');
    const kind = field(link, 'kind');
    if (message === POOL_WAIT_TIMEOUT_MESSAGE) return 'busy';
    if (code === '53300' || kind === 'TooManyConnections') return 'busy';
    if (
      code === 'P2028' &&
      typeof message === 'string' &&
      message.includes('Unable to start a transaction')
    ) {
      return 'busy';
    }
    if (typeof code === 'string') {
      if (UNAVAILABLE_PRISMA_CODES.has(code) || UNAVAILABLE_SQLSTATES.test(code)) {
        return 'unavailable';
      }
      if (UNAVAILABLE_SOCKET_CODES.has(code)) return 'unavailable';
    }
    if (typeof kind === 'string' && UNAVAILABLE_ADAPTER_KINDS.has(kind)) return 'unavailable';
    if (kind === 'postgres' && typeof code === 'string' && UNAVAILABLE_SQLSTATES.test(code)) {
      return 'unavailable';
    }
    // PostgreSQL ends a session it will not serve with a FATAL error: the database refuses
    // connections (55000), is starting or stopping (57P03), is gone (3D000)…
    if (field(link, 'severity') === 'FATAL' || field(link, 'severity') === 'PANIC') {
      return 'unavailable';
    }
    if (
      typeof message === 'string' &&
      UNAVAILABLE_MESSAGES.some((known) => message.includes(known))
    ) {
      return 'unavailable';
    }
  }
  return undefined;
}

/**
 * A connection the server closed (terminated backend, restart, failover) fails the query that
 * next uses it, before the query ran: safe to send once more on a fresh connection.
 */
export function isClosedConnection(error: unknown): boolean {
  for (const link of chain(error)) {
    const code = field(link, 'code');
    const message = field(link, 'message');
    if (typeof code === 'string' && /^57P0[12]$/.test(code)) return true;
    if (code === 'ECONNRESET' || code === 'EPIPE') return true;
    if (
      typeof message === 'string' &&
      (message.includes('Connection terminated unexpectedly') ||
        message.includes('Client has encountered a connection error and is not queryable'))
    ) {
      return true;
    }
  }
  return false;
}

/**
 * Logs a database outage once per episode, not once per failed request: the first failure of
 * an episode is logged with its cause, the end of the episode with how many requests it cost.
 * The pool reports every successful query (`recordSuccess` costs a boolean check).
 */
@Injectable()
export class DatabaseOutageLog {
  private readonly logger = new Logger('Database');
  private failuresInEpisode = 0;
  private episodeStartedAt?: number;

  /** True when this failure opens an episode. */
  recordFailure(failure: DatabaseFailure, error: unknown): boolean {
    if (failure === 'busy') return false;
    this.failuresInEpisode += 1;
    if (this.episodeStartedAt !== undefined) return false;
    this.episodeStartedAt = Date.now();
    const cause = error instanceof Error ? error.message.split('\n').at(-1) : String(error);
    this.logger.error(
      { cause },
      'database unavailable: answering 503 DATABASE_UNAVAILABLE until it is back',
    );
    return true;
  }

  recordSuccess(): void {
    if (this.episodeStartedAt === undefined) return;
    this.logger.warn(
      {
        failedRequests: this.failuresInEpisode,
        durationMs: Date.now() - this.episodeStartedAt,
      },
      'database reachable again',
    );
    this.episodeStartedAt = undefined;
    this.failuresInEpisode = 0;
  }

  get inOutage(): boolean {
    return this.episodeStartedAt !== undefined;
  }
}
