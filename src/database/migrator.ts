import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { packageRoot } from '../common/package-root';

/**
 * Applies prisma/migrations with plain SQL through `pg`, recording each one in Prisma's own
 * `_prisma_migrations` table with Prisma's checksum (sha256 of the file). This needs no
 * downloaded engine, so it works offline; and because the bookkeeping is Prisma's, the real
 * `prisma migrate deploy` keeps working on the same database where the CLI can run.
 */

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export const migrationsDir = (): string => join(packageRoot(), 'prisma', 'migrations');

const LEDGER_DDL = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/** Any fixed number: migrations of one database run one at a time, across instances. */
const MIGRATION_LOCK_KEY = 72_617_031;

export async function readMigrations(dir = migrationsDir()): Promise<Migration[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const migrations: Migration[] = [];
  for (const name of names) {
    const file = join(dir, name, 'migration.sql');
    if (!existsSync(file)) continue;
    const sql = await readFile(file, 'utf8');
    migrations.push({ name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

async function appliedMigrations(client: Client): Promise<AppliedRow[]> {
  const exists = await client.query<{ present: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`,
  );
  if (!exists.rows[0]?.present) return [];
  const result = await client.query<AppliedRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
  );
  return result.rows.filter((row) => row.rolled_back_at === null);
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Started but never finished: needs a person (as with `prisma migrate resolve`). */
  failed: string[];
}

export async function migrationStatus(
  databaseUrl: string,
  dir = migrationsDir(),
): Promise<MigrationStatus> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return statusOf(await readMigrations(dir), await appliedMigrations(client));
  } finally {
    await client.end();
  }
}

function statusOf(migrations: Migration[], rows: AppliedRow[]): MigrationStatus {
  const finished = new Set(
    rows.filter((row) => row.finished_at !== null).map((row) => row.migration_name),
  );
  return {
    applied: migrations.filter((m) => finished.has(m.name)).map((m) => m.name),
    pending: migrations.filter((m) => !finished.has(m.name)).map((m) => m.name),
    failed: rows.filter((row) => row.finished_at === null).map((row) => row.migration_name),
  };
}

/** Applies every pending migration, each in its own transaction. Returns the names applied. */
export async function applyMigrations(
  databaseUrl: string,
  dir = migrationsDir(),
): Promise<string[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(LEDGER_DDL);
    const migrations = await readMigrations(dir);
    const status = statusOf(migrations, await appliedMigrations(client));
    if (status.failed.length > 0) {
      throw new Error(
        `migration ${status.failed.join(', ')} failed earlier and is half-applied; repair the database, ` +
          'then mark it with `prisma migrate resolve`',
      );
    }
    const applied: string[] = [];
    for (const migration of migrations.filter((m) => status.pending.includes(m.name))) {
      const id = randomUUID();
      await client.query('BEGIN');
      try {
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
          [id, migration.checksum, migration.name],
        );
        await client.query(migration.sql);
        await client.query(
          `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
          [id],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      applied.push(migration.name);
    }
    return applied;
  } finally {
    await client
      .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
    await client.end();
  }
}
