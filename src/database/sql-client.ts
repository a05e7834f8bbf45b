import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Client, PoolClient, QueryResultRow } from 'pg';
import { backgroundSlices } from '../common/background-slices';
import { runInTransactionContext } from '../common/transaction-context';
import { PrismaService } from './prisma.service';
import { reservedConnections, SlotGate } from './slot-gate';
import type { Sql } from './sql';

/**
 * A statement's name makes PostgreSQL parse and plan it once per connection. `true` names it by
 * its text (for statements composed at run time from a bounded set of shapes).
 */
export type StatementName = string | true | undefined;

/** One open transaction: statements run on its connection, one after another. */
export interface SqlTransaction {
  query<R extends QueryResultRow>(statement: Sql, name?: StatementName): Promise<R[]>;
  /**
   * The transaction's last statement, sent together with COMMIT (one round trip for both);
   * the transaction commits when the work returns.
   */
  finish(statement: Sql, name?: StatementName): Promise<void>;
}

function queryConfig(
  statement: Sql,
  name: StatementName,
): { text: string; values: unknown[]; name?: string } {
  const { text, values, shape } = statement.toCachedQuery();
  if (name === undefined) return { text, values };
  return { text, values, name: name === true ? statementName(shape, text) : name };
}

/** Names of statements named by their text, per shape (hashed once, not per execution). */
const statementNames = new Map<string, string>();

function statementName(shape: string, text: string): string {
  let name = statementNames.get(shape);
  if (name === undefined) {
    name = `s_${createHash('sha1').update(text).digest('base64url')}`;
    if (statementNames.size >= 2_000) statementNames.clear();
    statementNames.set(shape, name);
  }
  return name;
}

/**
 * The statements a transaction submits in this tick leave in one write: the connection's socket
 * is corked until the tick ends. A pipelined statement is otherwise one `writev` each, and on
 * loopback a write is a system call and a wake-up of the server — the largest single cost of
 * the webhook path before this (BEGIN and its first statement, the last statement and COMMIT,
 * each pair now one write).
 */
function coalesceWrites(client: PoolClient): void {
  const stream = (client as unknown as Partial<Pick<Client, 'connection'>>).connection?.stream;
  if (stream === undefined || stream.writableCorked > 0) return;
  stream.cork();
  process.nextTick(() => stream.uncork());
}

/**
 * A 64-bit advisory lock key for a text key, computed here so that taking the lock needs no
 * parameter and can travel with BEGIN in one message.
 */
export function advisoryKey(key: string): bigint {
  return createHash('sha256').update(key).digest().readBigInt64BE(0);
}

/**
 * Plain SQL over the pool Prisma uses. `transaction` is the one helper for locked writes on the
 * hot paths. The pool's connections pipeline (a statement is sent without waiting for the one
 * before), so BEGIN with the advisory lock travels with the first statement, and the last
 * statement with COMMIT: a read-decide-write transaction costs two round trips. The work runs
 * in the transaction context, so a Stripe call made inside it is refused (DESIGN §6).
 */
@Injectable()
export class SqlClient {
  /**
   * Transactions (the engine's applies, each of which may wait on a customer's lock while it
   * holds its connection) take at most the pool's size less a reserve; the rest wait here, not
   * in the pool's queue, so a user's read never queues behind a burst of webhooks.
   */
  readonly transactions: SlotGate;

  constructor(private readonly prisma: PrismaService) {
    const size = prisma.pool.options.max ?? 10;
    this.transactions = new SlotGate(Math.max(1, size - reservedConnections(size)));
  }

  /** One statement in its own implicit transaction. */
  async query<R extends QueryResultRow>(statement: Sql, name?: StatementName): Promise<R[]> {
    const result = await this.prisma.pool.query<R>(queryConfig(statement, name));
    return result.rows;
  }

  async transaction<T>(
    lockKey: string | null,
    work: (tx: SqlTransaction) => Promise<T>,
  ): Promise<T> {
    return this.transactions.run(() => this.transactionOnConnection(lockKey, work));
  }

  private async transactionOnConnection<T>(
    lockKey: string | null,
    work: (tx: SqlTransaction) => Promise<T>,
  ): Promise<T> {
    const client = await this.prisma.pool.connect();
    let broken = false;
    // A checked-out connection that breaks (the server restarts, the network drops) emits
    // 'error' with no listener of the pool's: without this one it would crash the process. The
    // statements in flight fail on their own, and the connection is dropped below.
    const onBroken = (): void => {
      broken = true;
    };
    client.on('error', onBroken);
    coalesceWrites(client);
    const begin = client.query(
      lockKey === null
        ? 'BEGIN'
        : `BEGIN; SELECT pg_advisory_xact_lock(${advisoryKey(lockKey).toString()})`,
    );
    // Awaited below; a failure here fails the statements behind it too.
    begin.catch(() => undefined);
    const tx = new PooledTransaction(client, begin);
    try {
      const result = await runInTransactionContext(lockKey ?? 'transaction', () => work(tx));
      await begin;
      await (tx.committed ?? client.query('COMMIT'));
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.removeListener('error', onBroken);
      // A connection whose rollback failed is in an unknown state: the pool drops it.
      client.release(broken);
    }
  }
}

class PooledTransaction implements SqlTransaction {
  committed?: Promise<unknown>;

  constructor(
    private readonly client: PoolClient,
    private readonly begin: Promise<unknown>,
  ) {}

  async query<R extends QueryResultRow>(statement: Sql, name?: StatementName): Promise<R[]> {
    const result = this.client.query<R>(queryConfig(statement, name));
    // Read below, after BEGIN's outcome: when BEGIN fails (the connection broke), the
    // statement fails too and must not surface as an unhandled rejection meanwhile.
    result.catch(() => undefined);
    await this.begin;
    const { rows } = await result;
    // What the transaction does with the answer is bulk work too (the engine's decision and its
    // writes), done in a background slice rather than where the answer was read — but ahead of
    // every step that holds no lock.
    await backgroundSlices.next({ holdsTransaction: true });
    return rows;
  }

  async finish(statement: Sql, name?: StatementName): Promise<void> {
    coalesceWrites(this.client);
    const result = this.client.query(queryConfig(statement, name));
    result.catch(() => undefined);
    this.committed = this.client.query('COMMIT');
    // COMMIT after a failed statement answers ROLLBACK; the statement's error is what counts.
    this.committed.catch(() => undefined);
    await this.begin;
    await result;
  }
}
