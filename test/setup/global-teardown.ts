import { once } from 'node:events';
import { Client } from 'pg';
import { ENV_ADMIN_URL, ENV_TEMPLATE } from './test-server';

export default async function globalTeardown(): Promise<void> {
  const adminUrl = process.env[ENV_ADMIN_URL];
  const template = process.env[ENV_TEMPLATE];
  if (adminUrl !== undefined && template !== undefined) {
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
  const embedded = globalThis.billingTestEmbedded;
  if (embedded !== undefined && embedded.exitCode === null) {
    embedded.kill('SIGTERM');
    await once(embedded, 'exit');
  }
}
