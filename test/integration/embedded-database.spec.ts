import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../../src/config/app-config';
import { openDatabase } from '../../src/database/database-location';
import { applyMigrations, migrationStatus } from '../../src/database/migrator';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL (no DATABASE_URL)', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'billing-embedded-'));
    await chmod(root, 0o755);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('starts on an empty data folder, migrates, and keeps its data across a restart', async () => {
    const config = loadConfig({
      EMBEDDED_DB_DIR: join(root, 'pg'),
      EMBEDDED_DB_PORT: String(await freePort()),
    });
    const first = await openDatabase(config, () => undefined);
    try {
      expect(first.embedded).toBe(true);
      expect((await migrationStatus(first.url)).pending.length).toBeGreaterThan(0);
      const applied = await applyMigrations(first.url);
      expect(applied.length).toBeGreaterThan(0);
      expect(await applyMigrations(first.url)).toEqual([]);
      await query(
        first.url,
        `INSERT INTO "Account" (id, kind, "externalId", "updatedAt") VALUES (gen_random_uuid(), 'USER', 'kept-user', now())`,
      );
    } finally {
      await first.close();
    }

    const second = await openDatabase(config, () => undefined);
    try {
      const status = await migrationStatus(second.url);
      expect(status.pending).toEqual([]);
      const rows = await query<{ externalId: string }>(
        second.url,
        `SELECT "externalId" FROM "Account"`,
      );
      expect(rows).toEqual([{ externalId: 'kept-user' }]);
      // Prisma's own bookkeeping, so `prisma migrate deploy` agrees with what was applied.
      const ledger = await query<{ migration_name: string; checksum: string }>(
        second.url,
        'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL',
      );
      expect(ledger.map((row) => row.migration_name)).toEqual(status.applied);
      expect(ledger.every((row) => /^[0-9a-f]{64}$/.test(row.checksum))).toBe(true);
    } finally {
      await second.close();
    }
  });
});
