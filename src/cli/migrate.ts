/**
 * `npm run db:migrate [-- status | create <name>]`
 *
 * apply (default): applies pending migrations to DATABASE_URL, or to the embedded PostgreSQL
 *   when DATABASE_URL is unset (starting it for the duration of the command).
 * status: lists applied and pending migrations; exits 1 when some are pending.
 * create <name>: writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL from the
 *   schema of the last migration (prisma/migrations/schema.snapshot.prisma) to prisma/schema.prisma.
 */
import 'dotenv/config';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../config/app-config';
import { ConfigError } from '../config/env-reader';
import { openDatabase } from '../database/database-location';
import { applyMigrations, migrationStatus, migrationsDir } from '../database/migrator';
import { diffSchemas } from '../database/schema-diff';
import { packageRoot } from '../common/package-root';

async function create(databaseUrl: string, name: string | undefined): Promise<void> {
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    throw new Error('usage: npm run db:migrate -- create <name_in_snake_case>');
  }
  const dir = migrationsDir();
  const snapshotFile = join(dir, 'schema.snapshot.prisma');
  const schema = await readFile(join(packageRoot(), 'prisma', 'schema.prisma'), 'utf8');
  const previous = existsSync(snapshotFile) ? await readFile(snapshotFile, 'utf8') : undefined;
  const sql = await diffSchemas(databaseUrl, previous, schema);
  if (sql.trim() === '' || /^-- This is an empty migration\.?\s*$/.test(sql.trim())) {
    console.log('The schema has not changed since the last migration.');
    return;
  }
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const folder = join(dir, `${stamp}_${name}`);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'migration.sql'), sql);
  await writeFile(snapshotFile, schema);
  if (!existsSync(join(dir, 'migration_lock.toml'))) {
    await writeFile(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  }
  console.log(`Created ${folder}`);
}

async function main(): Promise<void> {
  const [command = 'apply', argument] = process.argv.slice(2);
  const config = loadConfig(process.env);
  const database = await openDatabase(config, (line) => console.log(line));
  try {
    if (command === 'create') return await create(database.url, argument);
    if (command === 'status') {
      const status = await migrationStatus(database.url);
      console.log(
        `applied: ${status.applied.length}, pending: ${status.pending.join(', ') || 'none'}`,
      );
      if (status.pending.length > 0 || status.failed.length > 0) process.exitCode = 1;
      return;
    }
    if (command !== 'apply')
      throw new Error(`unknown command "${command}" (apply, status, create <name>)`);
    const applied = await applyMigrations(database.url);
    console.log(applied.length ? `Applied ${applied.join(', ')}` : 'The database is up to date.');
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError ? error.message : `db:migrate failed: ${(error as Error).message}`,
  );
  process.exit(1);
});
