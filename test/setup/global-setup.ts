import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { applyMigrations } from '../../src/database/migrator';
import { databaseUrl, ENV_ADMIN_URL, ENV_TEMPLATE } from './test-server';

declare global {
  var billingTestEmbedded: ChildProcess | undefined;
}

/** Starts embedded-server.mjs (outside Jest's module system) and waits for its URL. */
function startEmbeddedServer(): Promise<string> {
  const child = spawn(process.execPath, [join(__dirname, 'embedded-server.mjs')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  globalThis.billingTestEmbedded = child;
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the embedded PostgreSQL exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
}

export default async function globalSetup(): Promise<void> {
  const given = process.env.TEST_DATABASE_URL;
  const adminUrl = given !== undefined && given !== '' ? given : await startEmbeddedServer();
  // One migrated template per run; each test file clones it (CREATE DATABASE … TEMPLATE).
  const template = `billing_tpl_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${template}"`);
  } finally {
    await admin.end();
  }
  await applyMigrations(databaseUrl(adminUrl, template));
  process.env[ENV_ADMIN_URL] = adminUrl;
  process.env[ENV_TEMPLATE] = template;
}
