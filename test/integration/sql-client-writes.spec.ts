import type { Socket } from 'node:net';
import type { OpenDatabase } from '../../src/database/database-location';
import { PrismaService } from '../../src/database/prisma.service';
import { sql } from '../../src/database/sql';
import { SqlClient } from '../../src/database/sql-client';
import { createTestDatabase } from '../support/test-database';

/**
 * A locked read-decide-write transaction costs two socket writes, not four: BEGIN with the
 * lock leaves with the first statement, the last statement with COMMIT (on loopback each write
 * is a system call and a wake-up of the server).
 */
describe('the socket writes of a transaction', () => {
  let database: OpenDatabase;
  let prisma: PrismaService;

  beforeAll(async () => {
    database = await createTestDatabase();
    prisma = new PrismaService(database.url, { size: 1, acquireTimeoutMs: 1_000 });
    await prisma.pool.query('CREATE TABLE written (id int PRIMARY KEY, n int NOT NULL)');
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await database.close();
  });

  /** Counts the writes that reach the socket of the pool's one connection during `work`. */
  async function countWrites(work: () => Promise<void>): Promise<number> {
    const client = await prisma.pool.connect();
    const socket = (client as unknown as { connection: { stream: Socket } }).connection.stream;
    client.release();
    let writes = 0;
    const spied = socket as unknown as {
      _writeGeneric: (writev: boolean, ...rest: unknown[]) => void;
    };
    const original = spied._writeGeneric;
    spied._writeGeneric = function (this: unknown, ...args: [boolean, ...unknown[]]) {
      writes += 1;
      return original.apply(this, args);
    };
    try {
      await work();
    } finally {
      spied._writeGeneric = original;
    }
    return writes;
  }

  it('sends BEGIN, the lock and the first statement together, and the last one with COMMIT', async () => {
    const client = new SqlClient(prisma);
    const writes = await countWrites(async () => {
      const n = await client.transaction('customer:cus_writes', async (tx) => {
        const [row] = await tx.query<{ n: number }>(sql`SELECT 41::int AS n`);
        await tx.finish(sql`INSERT INTO written (id, n) VALUES (1, ${row.n + 1})`);
        return row.n;
      });
      expect(n).toBe(41);
    });
    expect(writes).toBe(2);
    const { rows } = await prisma.pool.query<{ n: number }>('SELECT n FROM written WHERE id = 1');
    expect(rows).toEqual([{ n: 42 }]);
  });

  it('rolls back as before when the last statement fails', async () => {
    const client = new SqlClient(prisma);
    await expect(
      client.transaction('customer:cus_writes', async (tx) => {
        await tx.query(sql`INSERT INTO written (id, n) VALUES (2, 1)`);
        await tx.finish(sql`INSERT INTO written (id, n) VALUES (2, 2)`);
      }),
    ).rejects.toThrow(/duplicate key/);
    const { rows } = await prisma.pool.query('SELECT n FROM written WHERE id = 2');
    expect(rows).toEqual([]);
  });
});
