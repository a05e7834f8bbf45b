import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { startService, StartupError } from '../../src/boot';
import { loadConfig } from '../../src/config/app-config';
import { databaseUrl, ENV_ADMIN_URL } from '../setup/test-server';
import { TEST_JWT_SECRET } from '../support/tokens';

describe('start-up against a database behind on migrations', () => {
  const adminUrl = (): string => process.env[ENV_ADMIN_URL] as string;
  const name = `billing_empty_${randomBytes(5).toString('hex')}`;

  async function admin(sql: string): Promise<void> {
    const client = new Client({ connectionString: adminUrl() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  beforeAll(() => admin(`CREATE DATABASE "${name}"`));
  afterAll(() => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));

  it('refuses to start in stripe mode, naming the command to run, and changes nothing', async () => {
    const url = databaseUrl(adminUrl(), name);
    const config = loadConfig({
      STRIPE_SECRET_KEY: 'sk_test_not_used',
      STRIPE_WEBHOOK_SECRETS: 'whsec_not_used',
      JWT_SECRET: TEST_JWT_SECRET,
      DATABASE_URL: url,
      FRONTEND_URL: 'https://app.example.test',
      PORT: '0',
      LOG_LEVEL: 'silent',
    });
    const attempt = startService(config, { log: () => undefined });
    await expect(attempt).rejects.toBeInstanceOf(StartupError);
    await expect(attempt).rejects.toThrow(/behind on migrations .*npm run db:migrate/);

    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const tables = await client.query(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`,
      );
      expect(tables.rows).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
