import { Client } from 'pg';
import type { OpenDatabase } from '../../src/database/database-location';
import { PrismaService } from '../../src/database/prisma.service';
import { sql } from '../../src/database/sql';
import { advisoryKey, SqlClient } from '../../src/database/sql-client';
import { createTestDatabase } from '../support/test-database';

/**
 * A transaction's statements are pipelined behind BEGIN (and its advisory lock). When the
 * connection breaks while BEGIN waits, every statement queued behind it fails too: the
 * transaction must fail with that error, and none of the queued failures may escape as an
 * unhandled rejection (in production that ends the process).
 */
describe('a transaction whose connection breaks while BEGIN waits', () => {
  let database: OpenDatabase;
  let prisma: PrismaService;
  let holder: Client;
  // Watches pg_stat_activity from outside any transaction (a transaction sees one snapshot).
  let observer: Client;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    prisma = new PrismaService(database.url, { size: 2, acquireTimeoutMs: 5_000 });
    holder = new Client({ connectionString: database.url });
    await holder.connect();
    observer = new Client({ connectionString: database.url });
    await observer.connect();
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await holder.end();
    await observer.end();
    await prisma.$disconnect();
    await database.close();
  });

  it('fails the transaction and leaves no unhandled rejection behind', async () => {
    const lockKey = 'customer:cus_broken_begin';
    const client = new SqlClient(prisma);
    // Another session holds the advisory lock, so the transaction's BEGIN waits on it.
    const [{ pid: holderPid }] = (
      await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
    ).rows;
    await holder.query('BEGIN');
    await holder.query(`SELECT pg_advisory_xact_lock(${advisoryKey(lockKey).toString()})`);
    const outcome = client
      .transaction(lockKey, (tx) =>
        // Both are sent at once, queued behind BEGIN on the one connection.
        Promise.all([tx.query(sql`SELECT 1 AS one`), tx.query(sql`SELECT 2 AS two`)]),
      )
      .then(
        () => 'committed',
        (error: unknown) => error,
      );

    // Wait until the transaction's connection waits on the lock, then end that backend.
    let pid: number | undefined;
    for (let tries = 0; pid === undefined; tries += 1) {
      expect(tries).toBeLessThan(500);
      const { rows } = await observer.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> $1`,
        [holderPid],
      );
      pid = rows[0]?.pid;
      if (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await observer.query('SELECT pg_terminate_backend($1)', [pid]);
    await holder.query('ROLLBACK');

    const result = await outcome;
    expect(result).toBeInstanceOf(Error);
    // Give queued rejections a few turns of the event loop to surface, if any were left unhandled.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(unhandled).toEqual([]);

    // The pool dropped the broken connection: the next transaction works.
    await expect(
      client.transaction(lockKey, (tx) => tx.query<{ ok: number }>(sql`SELECT 1 AS ok`)),
    ).resolves.toEqual([{ ok: 1 }]);
  });
});
