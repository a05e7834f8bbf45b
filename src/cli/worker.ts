/**
 * `npm run worker` — a process that only applies queued Stripe events and runs the fleet's
 * scheduled jobs (WEBHOOK_MODE=queued), with no HTTP server. Any number of them may run beside
 * the instances, on the same DATABASE_URL (and in sandbox mode the same STRIPE_API_BASE).
 */
import 'dotenv/config';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { stripeConnection } from '../boot';
import { systemClock } from '../clock/clock';
import { loadConfig, type AppConfig } from '../config/app-config';
import { ConfigError } from '../config/env-reader';
import { migrationStatus } from '../database/migrator';
import { startSandbox, type Sandbox } from '../sandbox/sandbox';

const log = (line: string): void => {
  process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), msg: line })}\n`);
};

async function main(): Promise<void> {
  const loaded = loadConfig({ ...process.env, WEBHOOK_MODE: 'queued' });
  const databaseUrl = loaded.database.url;
  if (databaseUrl === undefined)
    throw new ConfigError('DATABASE_URL', 'a worker needs the instances’ PostgreSQL server');
  if (loaded.mode === 'sandbox' && loaded.stripe.apiBase === undefined)
    throw new ConfigError('STRIPE_API_BASE', 'a sandbox worker needs the standalone emulator');
  const config: AppConfig = {
    ...loaded,
    fleet: {
      ...loaded.fleet,
      queue: { ...loaded.fleet.queue, workers: Math.max(1, loaded.fleet.queue.workers) },
    },
  };
  const status = await migrationStatus(databaseUrl);
  if (status.pending.length > 0 || status.failed.length > 0)
    throw new ConfigError('DATABASE_URL', 'the database is behind on migrations');

  const sandbox: Sandbox | undefined =
    config.mode === 'sandbox' ? await startSandbox(config, { log }) : undefined;
  const context = await NestFactory.createApplicationContext(
    AppModule.forRoot({
      config,
      databaseUrl,
      stripe: sandbox?.connection ?? stripeConnection(config),
      webhookSecrets: [],
      clock: sandbox?.clock ?? systemClock,
    }),
    { bufferLogs: true },
  );
  await context.init();
  log(
    `Worker ready: ${config.fleet.queue.workers} loop(s) of ${config.fleet.queue.batchSize} jobs (pid ${process.pid})`,
  );

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log(`${signal} received: finishing the jobs in hand`);
    const deadline = setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 10_000);
    deadline.unref();
    void (async () => {
      await context.close();
      await sandbox?.close();
      log('worker stopped');
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError ? error.message : `Worker failed: ${(error as Error).stack}`,
  );
  process.exit(1);
});
