import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { DatabaseOutageLog, isClosedConnection } from '../errors/database-failures';
import { PrismaClient } from '../generated/prisma/client';

export interface PoolSettings {
  size: number;
  /** How long a query waits for a free connection (or for a new one to connect). */
  acquireTimeoutMs: number;
}

type QueryArgs = [config: pg.QueryConfig, values?: unknown[]];

/** The SQLSTATEs PostgreSQL sends as it terminates a backend: the query was never run. */
const TERMINATED_BEFORE_RUN = /^57P0[12]$/;

function ranNothing(error: unknown, sql: string): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && TERMINATED_BEFORE_RUN.test(code)) return true;
  if ((error as Error).message?.includes('is not queryable')) return true;
  // A connection that died mid-flight may have run the statement: only a read is safe to resend.
  return /^\s*select\b/i.test(sql);
}

/**
 * The pool behind Prisma: acquiring a connection waits at most `acquireTimeoutMs` (then
 * pg-pool fails the query, answered 503 DATABASE_BUSY), and a statement outside a transaction
 * that meets a connection the server closed (a terminated backend, a restart, a failover) is
 * sent again on a fresh connection instead of failing the request.
 */
function createPool(url: string, settings: PoolSettings, outages?: DatabaseOutageLog): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: settings.size,
    connectionTimeoutMillis: settings.acquireTimeoutMs,
    // Pipelined connections: a statement is sent without waiting for the one before (answers
    // still come in order), so a transaction's BEGIN and COMMIT travel with its statements.
    pipeline: true,
  });
  // An idle connection the server closes emits 'error' on the pool; pg-pool drops it. Without
  // a listener the error would crash the process.
  pool.on('error', () => undefined);
  // A connection the server ends can still report it once pg-pool has let go of the client (a
  // query's handler removed, the client being dropped): an 'error' with no listener would crash
  // the process. Every failure that matters reaches its query or transaction anyway.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const query = pool.query.bind(pool) as (...args: QueryArgs) => Promise<pg.QueryResult>;
  const resilientQuery = async (...args: QueryArgs): Promise<pg.QueryResult> => {
    // Each attempt that meets a dead connection drops it from the pool; when the server went
    // away (a restart, a failover) every idle connection is dead, so the statement is sent
    // again until it gets a connection opened since — at most once per pooled connection.
    for (let attempt = 0; ; attempt += 1) {
      try {
        const result = await query(...args);
        outages?.recordSuccess();
        return result;
      } catch (error) {
        const retry =
          attempt < settings.size && isClosedConnection(error) && ranNothing(error, args[0].text);
        if (!retry) throw error;
      }
    }
  };
  // The adapter calls `query(config)` for statements outside transactions; pg-pool itself and
  // callback-style callers keep the original.
  Object.assign(pool, {
    query: (...args: unknown[]) =>
      typeof args[0] === 'object' && args[0] !== null && args.every((a) => typeof a !== 'function')
        ? resilientQuery(...(args as QueryArgs))
        : (query as (...rest: unknown[]) => unknown)(...args),
  });
  return pool;
}

/**
 * The one Prisma client of the process; only repositories use it. Its `pg` pool is shared with
 * the plain-SQL hot paths (`SqlClient`), so the process holds one set of connections.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  readonly pool: pg.Pool;

  constructor(url: string, settings: PoolSettings, outages?: DatabaseOutageLog) {
    const pool = createPool(url, settings, outages);
    super({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
    this.pool = pool;
  }

  async onModuleDestroy(): Promise<void> {
    // The adapter ends the pool (disposeExternalPool).
    await this.$disconnect();
  }
}
