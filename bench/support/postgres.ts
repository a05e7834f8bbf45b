import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { applyMigrations } from '../../src/database/migrator';
import { freePort } from './processes';

const DEFAULT_SERVER_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** The PostgreSQL server the benchmark creates its database on. */
export interface BenchServer {
  adminUrl: string;
  /** Where it came from: an environment variable, the local default, or embedded. */
  source: 'BENCH_DATABASE_URL' | 'TEST_DATABASE_URL' | 'default' | 'embedded';
  stop(): Promise<void>;
}

/** A URL for another database on the same server. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function reachable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local server on 5432 when it answers,
 * else an embedded PostgreSQL in a temporary folder (removed by `stop`).
 */
export async function openBenchServer(log: (line: string) => void): Promise<BenchServer> {
  for (const name of ['BENCH_DATABASE_URL', 'TEST_DATABASE_URL'] as const) {
    const url = process.env[name];
    if (url !== undefined && url !== '') {
      return { adminUrl: url, source: name, stop: () => Promise.resolve() };
    }
  }
  if (await reachable(DEFAULT_SERVER_URL)) {
    return { adminUrl: DEFAULT_SERVER_URL, source: 'default', stop: () => Promise.resolve() };
  }
  const folder = await mkdtemp(join(tmpdir(), 'billing-bench-pg-'));
  // As root the server runs as a `postgres` user, who must be able to enter this folder.
  await chmod(folder, 0o755);
  log(`No PostgreSQL server reachable: starting an embedded one in ${folder}`);
  const embedded = await startEmbeddedPostgres({
    dataDir: join(folder, 'data'),
    port: await freePort(),
    database: 'postgres',
    log,
  });
  return {
    adminUrl: embedded.url,
    source: 'embedded',
    stop: async () => {
      await embedded.stop();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

async function withClient<T>(url: string, run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A uniquely named database of the benchmark's own, migrated with the service's migrations
 * (`migrate: false` leaves it empty, for the peer's own); `drop` removes it.
 */
export async function createBenchDatabase(
  server: BenchServer,
  options: { migrate?: boolean; prefix?: string } = {},
): Promise<BenchDatabase> {
  const name = `${options.prefix ?? 'billing_bench'}_${randomBytes(6).toString('hex')}`;
  await withClient(server.adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = databaseUrl(server.adminUrl, name);
  if (options.migrate ?? true) await applyMigrations(url);
  return {
    name,
    url,
    drop: () =>
      withClient(server.adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      ).then(() => undefined),
  };
}

export { withClient };
