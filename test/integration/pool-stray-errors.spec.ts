import { Client } from 'pg';
import type { OpenDatabase } from '../../src/database/database-location';
import { PrismaService } from '../../src/database/prisma.service';
import { createTestDatabase } from '../support/test-database';

/**
 * The server ends a pooled connection (a restart, a failover, `pg_terminate_backend`) at a
 * moment when nothing listens on that client: checked out between statements, or already let
 * go by pg-pool. Its 'error' must not escape as an unhandled event (which ends the process);
 * the pool drops the connection and serves the next statement on a fresh one.
 */
describe('a pooled connection the server ends while nothing listens on it', () => {
  let database: OpenDatabase;
  let prisma: PrismaService;
  let admin: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    prisma = new PrismaService(database.url, { size: 2, acquireTimeoutMs: 5_000 });
    admin = new Client({ connectionString: database.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await prisma.$disconnect();
    await database.close();
  });

  it('reports nothing unhandled, and the pool answers on a fresh connection', async () => {
    const client = await prisma.pool.connect();
    const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
    // No listener of the caller's: the client sits checked out between statements.
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await ended;
    client.release(true);
    const { rows } = await prisma.pool.query<{ one: number }>('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });
});
