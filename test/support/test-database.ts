import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { OpenDatabase } from '../../src/database/database-location';
import { databaseUrl, ENV_ADMIN_URL, ENV_TEMPLATE } from '../setup/test-server';

async function withAdmin<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const adminUrl = process.env[ENV_ADMIN_URL];
  if (adminUrl === undefined) throw new Error('the Jest global setup did not run');
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, migrated database of its own for one test file, cloned from the run's template;
 * closing it drops it. Tests never share or reset tables: each creates its own accounts.
 */
export async function createTestDatabase(): Promise<OpenDatabase> {
  const template = process.env[ENV_TEMPLATE];
  const name = `billing_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return {
    url: databaseUrl(process.env[ENV_ADMIN_URL] as string, name),
    embedded: false,
    close: () =>
      withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}
