import { Client } from 'pg';
import type { OpenDatabase } from '../../src/database/database-location';
import { PrismaService } from '../../src/database/prisma.service';
import { sql } from '../../src/database/sql';
import { advisoryKey, SqlClient } from '../../src/database/sql-client';
import { createTestDatabase } from '../support/test-database';

/**
 * Engine transactions waiting on a customer's lock hold their connections. However many pile
 * up, they take at most the pool less its reserve: a user's query still gets a connection at
 * once instead of queueing behind them (and timing out).
 */
describe('the pool connections the engine leaves free', () => {
  let database: OpenDatabase;
  let prisma: PrismaService;
  let holder: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    prisma = new PrismaService(database.url, { size: 4, acquireTimeoutMs: 1_000 });
    holder = new Client({ connectionString: database.url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder.end();
    await prisma.$disconnect();
    await database.close();
  });

  it('keeps one of four connections for queries while twenty transactions wait on a lock', async () => {
    const client = new SqlClient(prisma);
    expect(client.transactions.capacity).toBe(3);
    const lockKey = 'customer:cus_busy';
    await holder.query('BEGIN');
    await holder.query(`SELECT pg_advisory_xact_lock(${advisoryKey(lockKey).toString()})`);
    const applies = Array.from({ length: 20 }, (_, n) =>
      client.transaction(lockKey, (tx) => tx.query<{ n: number }>(sql`SELECT ${n}::int AS n`)),
    );
    for (let tries = 0; client.transactions.state.waiting < 17; tries += 1) {
      expect(tries).toBeLessThan(500);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(client.transactions.state).toEqual({ held: 3, waiting: 17 });

    // Without the reserve these would wait for a connection and fail after the pool's 1 s.
    const [row] = await prisma.$queryRaw<{ ok: number }[]>`SELECT 1::int AS ok`;
    expect(row.ok).toBe(1);
    expect(await client.query<{ ok: number }>(sql`SELECT 2::int AS ok`)).toEqual([{ ok: 2 }]);

    await holder.query('ROLLBACK');
    const results = await Promise.all(applies);
    expect(results.map(([result]) => result.n)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(client.transactions.state).toEqual({ held: 0, waiting: 0 });
  });
});
