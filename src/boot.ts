import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule, type Runtime } from './app.module';
import { sandboxJwtSecret } from './auth/sandbox-jwt-secret';
import { systemClock } from './clock/clock';
import { BillingSync } from './sync';
import type { AppConfig } from './config/app-config';
import { openDatabase, type OpenDatabase } from './database/database-location';
import { applyMigrations, migrationStatus } from './database/migrator';
import { ServiceLifecycle } from './common/service-lifecycle';
import { defaultDemoDir, serveDemoSite } from './demo-site/demo-site';
import { configureHttp, finishHttp } from './http-setup';
import {
  SANDBOX_SECRET_KEY,
  startSandbox,
  type Sandbox,
  type SandboxOptions,
} from './sandbox/sandbox';
import type { StripeConnection } from './stripe/stripe.module';

export class StartupError extends Error {}

export interface ShutdownReport {
  /** Requests still running when SHUTDOWN_TIMEOUT_MS ran out, cut off. */
  cutRequests: number;
}

export interface RunningService {
  app: NestExpressApplication;
  url: string;
  config: AppConfig;
  sandbox?: Sandbox;
  lifecycle: ServiceLifecycle;
  /**
   * The one shutdown path: readiness turns 503 at once, the server stops accepting
   * connections, requests in flight finish (at most SHUTDOWN_TIMEOUT_MS, then they are cut),
   * then the app (the database pool, schedules), the emulator and the embedded database close.
   */
  close(): Promise<ShutdownReport>;
}

export interface BootOptions {
  log: (line: string) => void;
  /** The built demo frontend served at `/` in sandbox mode; default web/dist. */
  demoDir?: string;
  /** An already-open database (tests pass a cloned one); otherwise opened from config. */
  database?: OpenDatabase;
  /**
   * Overrides for tests: emulator port, fast webhook retries, and an address the SDK should use
   * instead of the emulator's own (a fault-injecting proxy in front of it).
   */
  sandbox?: {
    port?: number;
    webhookRetryDelaysMs?: number[];
    connectVia?: (emulator: {
      host: string;
      port: number;
    }) => Promise<{ host: string; port: number }>;
    /** The service's clock this far from the emulator's (tests of clock skew); may change. */
    clockOffset?: { ms: number };
    /** The in-process emulator's state folder (null: in memory), over the configured default. */
    dataDir?: string | null;
    /** Extra settings for the in-process emulator (realism switches). */
    emulator?: SandboxOptions['emulator'];
  };
}

export function stripeConnection(config: AppConfig): StripeConnection {
  const base = config.stripe.apiBase;
  return {
    apiKey: config.stripe.secretKey ?? SANDBOX_SECRET_KEY,
    host: base?.host,
    port: base?.port,
    protocol: base?.protocol,
    timeoutMs: config.stripe.timeoutMs,
    maxNetworkRetries: config.stripe.maxNetworkRetries,
  };
}

/**
 * Where the in-process emulator keeps its state, so that a restarted sandbox agrees with its own
 * database: next to the embedded database by default. With DATABASE_URL the pairing is unknown,
 * so it stays in memory unless EMULATOR_DATA_DIR says where.
 */
function emulatorDataDir(
  config: AppConfig,
  database: OpenDatabase,
  override: string | null | undefined,
): string | undefined {
  if (override !== undefined) return override ?? undefined;
  if (config.stripe.emulatorDataDir !== undefined) return config.stripe.emulatorDataDir;
  return database.embedded ? join(dirname(config.database.embeddedDir), 'emulator') : undefined;
}

/**
 * Starts the service: database (server or embedded) and its migrations, the emulator in sandbox
 * mode, then the Nest app. In stripe mode a database behind on migrations is refused: applying
 * schema changes to a production database is an operator's decision, not a side effect of a deploy.
 */
export async function startService(
  requested: AppConfig,
  options: BootOptions,
): Promise<RunningService> {
  const config =
    requested.mode === 'sandbox' &&
    requested.jwt.secret === undefined &&
    requested.jwt.jwksUrl === undefined
      ? { ...requested, jwt: { ...requested.jwt, secret: await sandboxJwtSecret() } }
      : requested;
  const database = options.database ?? (await openDatabase(config, options.log));
  const lifecycle = new ServiceLifecycle();
  const closers: (() => Promise<void>)[] = [() => database.close()];
  try {
    if (config.mode === 'sandbox') {
      const applied = await applyMigrations(database.url);
      if (applied.length > 0) options.log(`Applied migrations: ${applied.join(', ')}`);
    } else {
      const status = await migrationStatus(database.url);
      if (status.pending.length > 0 || status.failed.length > 0) {
        throw new StartupError(
          `The database is behind on migrations (pending: ${[...status.failed, ...status.pending].join(', ')}). ` +
            'Run `npm run db:migrate` with the same DATABASE_URL, then start again.',
        );
      }
    }

    let sandbox: Sandbox | undefined;
    let connection = stripeConnection(config);
    if (config.mode === 'sandbox') {
      const dataDir = emulatorDataDir(config, database, options.sandbox?.dataDir);
      const started = await startSandbox(config, {
        log: options.log,
        port: options.sandbox?.port,
        webhookRetryDelaysMs: options.sandbox?.webhookRetryDelaysMs,
        dataDir,
        emulator: options.sandbox?.emulator,
      });
      sandbox = started;
      closers.unshift(() => started.close());
      const target = { host: started.connection.host ?? '', port: started.connection.port ?? 0 };
      const via = await options.sandbox?.connectVia?.(target);
      connection = via === undefined ? started.connection : { ...started.connection, ...via };
      options.log(
        started.emulator === undefined
          ? `Using the Stripe emulator at ${started.url} (STRIPE_API_BASE)`
          : `Stripe emulator running at ${started.url} (${dataDir === undefined ? 'state in memory' : `state in ${dataDir}`})`,
      );
    } else if (config.stripe.apiBase !== undefined) {
      options.log(`Stripe API calls go to ${config.stripe.apiBase.url} (STRIPE_API_BASE)`);
    }

    // In sandbox mode browsers load Stripe.js from the emulator, which serves an offline
    // stand-in, at the address browsers reach its pages at.
    const browserEmulatorUrl =
      sandbox?.emulator?.publicUrl ?? config.stripe.emulatorPublicUrl ?? sandbox?.url;
    const appConfig: AppConfig =
      browserEmulatorUrl === undefined
        ? config
        : { ...config, stripe: { ...config.stripe, jsUrl: `${browserEmulatorUrl}/v3/` } };

    // Shared by reference with the webhook verifier: sandbox mode adds its endpoint's secret
    // once the app's own URL (and so its port) is known.
    const webhookSecrets = [...config.stripe.webhookSecrets];
    const offset = options.sandbox?.clockOffset;
    const sandboxClock = sandbox?.clock;
    const clock =
      sandboxClock === undefined
        ? systemClock
        : offset === undefined
          ? sandboxClock
          : { now: () => new Date(sandboxClock.now().getTime() + offset.ms) };
    const runtime: Runtime = {
      config: appConfig,
      databaseUrl: database.url,
      stripe: connection,
      webhookSecrets,
      clock,
      lifecycle,
    };
    const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(runtime), {
      bodyParser: false,
      bufferLogs: true,
    });
    const inFlight = configureHttp(app, appConfig, lifecycle);
    if (sandbox !== undefined) {
      const demoDir = options.demoDir ?? defaultDemoDir();
      if (!serveDemoSite(app, appConfig, demoDir)) {
        options.log(
          `The demo frontend is not built (${demoDir}); \`npm run build:web\` builds it.`,
        );
      }
    }
    await app.init();
    finishHttp(app);
    // Nest's close() runs the destroy hooks (the database pool) before it stops the HTTP server;
    // draining the server first lets requests in flight finish on a live pool.
    let cutRequests = 0;
    closers.unshift(async () => {
      cutRequests = await inFlight.drain(app.getHttpServer(), config.shutdownTimeoutMs);
      await app.close();
    });

    const webhookHost =
      config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    // Sandbox mode registers the app's endpoint, as an operator would in Stripe's dashboard, then
    // seeds the catalog, whose product and price events then reach the app through it.
    const connectSandbox = async (port: number): Promise<void> => {
      if (sandbox === undefined) return;
      const secret = await sandbox.registerWebhookEndpoint(
        config.stripe.sandboxWebhookUrl ?? `http://${webhookHost}:${port}/api/webhooks/stripe`,
      );
      if (!webhookSecrets.includes(secret)) webhookSecrets.push(secret);
      await sandbox.seedCatalog();
    };
    const syncCatalog = async (): Promise<void> => {
      if (!config.sync.onStart) return;
      // A fresh database shows the plans at once; a failure here (Stripe unreachable) is logged,
      // not fatal: webhooks and the scheduled sync will catch up.
      await app
        .get(BillingSync)
        .syncCatalog()
        .then(
          (report) =>
            options.log(
              `Catalog synced from Stripe: ${report.products} products, ${report.prices} prices`,
            ),
          (error: unknown) =>
            options.log(`Catalog sync at start failed: ${(error as Error).message}`),
        );
    };

    if (config.port !== 0) {
      // The port is known: everything is in place before the first request is accepted (the
      // seeded catalog's events are retried by the emulator until the app listens).
      await connectSandbox(config.port);
      await syncCatalog();
      await app.listen(config.port, config.host);
    } else {
      await app.listen(0, config.host);
      await connectSandbox((app.getHttpServer().address() as AddressInfo).port);
      await syncCatalog();
    }
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');

    let closing: Promise<ShutdownReport> | undefined;
    return {
      app,
      url,
      config: appConfig,
      sandbox,
      lifecycle,
      close: () => {
        lifecycle.beginShutdown();
        closing ??= (async () => {
          for (const close of closers) await close();
          return { cutRequests };
        })();
        return closing;
      },
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    throw error;
  }
}
