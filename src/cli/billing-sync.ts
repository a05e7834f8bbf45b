/**
 * `npm run billing:sync` — walks Stripe, repairs the local copy and prints what drifted.
 *
 * With Stripe (STRIPE_SECRET_KEY set) it runs here, against DATABASE_URL. In sandbox mode Stripe
 * is the emulator inside the running service, so it asks that service (POST /api/admin/sync on
 * PORT) with a sandbox admin token.
 */
import 'dotenv/config';
import { NestFactory } from '@nestjs/core';
import jwt from 'jsonwebtoken';
import { AppModule } from '../app.module';
import { sandboxJwtSecret } from '../auth/sandbox-jwt-secret';
import { systemClock } from '../clock/clock';
import { loadConfig, type AppConfig } from '../config/app-config';
import { ConfigError } from '../config/env-reader';
import { migrationStatus } from '../database/migrator';
import { BillingSync } from '../sync';

async function syncHere(config: AppConfig): Promise<unknown> {
  const databaseUrl = config.database.url as string;
  const status = await migrationStatus(databaseUrl);
  if (status.pending.length > 0)
    throw new Error('The database is behind on migrations: run `npm run db:migrate` first.');
  const context = await NestFactory.createApplicationContext(
    AppModule.forRoot({
      config: { ...config, logLevel: 'warn' },
      databaseUrl,
      stripe: {
        apiKey: config.stripe.secretKey as string,
        timeoutMs: config.stripe.timeoutMs,
        maxNetworkRetries: config.stripe.maxNetworkRetries,
      },
      webhookSecrets: config.stripe.webhookSecrets,
      clock: systemClock,
    }),
    { logger: ['error', 'warn'] },
  );
  try {
    return await context.get(BillingSync).resync('cli');
  } finally {
    await context.close();
  }
}

async function syncThroughRunningService(config: AppConfig): Promise<unknown> {
  const secret = config.jwt.secret ?? (await sandboxJwtSecret());
  const token = jwt.sign(
    { sub: 'billing-sync-cli', [config.jwt.rolesClaim]: [config.admin.role] },
    secret,
    {
      algorithm: 'HS256',
      expiresIn: '5m',
      ...(config.jwt.issuer !== undefined ? { issuer: config.jwt.issuer } : {}),
      ...(config.jwt.audience !== undefined ? { audience: config.jwt.audience } : {}),
    },
  );
  const url = `http://127.0.0.1:${config.port}/api/admin/sync`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  }).catch(() => {
    throw new Error(`No sandbox service answers on ${url}: start it with \`npm run dev\` first.`);
  });
  const body: unknown = await response.json();
  if (!response.ok)
    throw new Error(`The service answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const report =
    config.mode === 'sandbox' ? await syncThroughRunningService(config) : await syncHere(config);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError
      ? error.message
      : `billing:sync failed: ${(error as Error).message}`,
  );
  process.exit(1);
});
