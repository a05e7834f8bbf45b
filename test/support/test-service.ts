import supertest from 'supertest';
import {
  startService,
  type BootOptions,
  type RunningService,
  type ShutdownReport,
} from '../../src/boot';
import { loadConfig } from '../../src/config/app-config';
import type { OpenDatabase } from '../../src/database/database-location';
import { PrismaService } from '../../src/database/prisma.service';
import { createTestDatabase } from './test-database';
import { TEST_ADMIN_KEY, TEST_JWT_SECRET } from './tokens';

export interface TestService {
  service: RunningService;
  http: ReturnType<typeof supertest>;
  prisma: PrismaService;
  databaseUrl: string;
  database: OpenDatabase;
  close(): Promise<ShutdownReport>;
}

/**
 * The whole service as it runs in sandbox mode — its own cloned database, the emulator
 * in-process on a free port, the HTTP app on a free port — with test settings over the defaults.
 */
export interface TestServiceOptions {
  /** PostgreSQL settings for the service's connections, e.g. `-c lock_timeout=500`. */
  databaseOptions?: string;
  /** Put something (a fault-injecting proxy) between the service and PostgreSQL. */
  databaseVia?: (server: { host: string; port: number }) => Promise<{ host: string; port: number }>;
  /** Put something (a fault-injecting proxy) between the SDK and the emulator. */
  connectVia?: NonNullable<BootOptions['sandbox']>['connectVia'];
  /** The service's clock this far from the emulator's; the test may change it. */
  clockOffset?: { ms: number };
  /** The built demo frontend to serve at `/` (default web/dist, when built). */
  demoDir?: string;
  /** Use this database instead of a fresh clone (a restart on the same data). */
  database?: OpenDatabase;
  /** The in-process emulator's state folder (default: in memory). */
  emulatorDataDir?: string;
}

/**
 * The "hostile Stripe" run (`npm run test:e2e:hostile`, or HOSTILE_STRIPE=true): every test
 * service's emulator answers like a loaded, distant Stripe — latency with a tail, Stripe's
 * test-mode rate limit (25 reads and 25 writes per second per key), concurrent writes to one
 * object queued and refused with `lock_timeout` after a second, and 1 % of API calls failing with
 * a 500 or 503, before or after doing their work.
 */
export const HOSTILE_STRIPE = process.env.HOSTILE_STRIPE === 'true';

export const HOSTILE_REALISM: NonNullable<NonNullable<BootOptions['sandbox']>['emulator']> = {
  realism: {
    latency: { p50Ms: 150, p99Ms: 600 },
    rateLimit: 'stripe',
    locks: { waitMs: 1_000 },
    faults: { rate: 0.01, kinds: ['500', '503'], phase: 'both', timeoutMs: 30_000 },
  },
};

export async function startTestService(
  env: Record<string, string> = {},
  options: TestServiceOptions = {},
): Promise<TestService> {
  const created = options.database ?? (await createTestDatabase());
  let url = new URL(created.url);
  if (options.databaseVia !== undefined) {
    const via = await options.databaseVia({ host: url.hostname, port: Number(url.port || 5432) });
    url = new URL(created.url);
    url.hostname = via.host;
    url.port = String(via.port);
  }
  if (options.databaseOptions !== undefined) {
    url.searchParams.set('options', options.databaseOptions);
  }
  const database = { ...created, url: url.toString() };
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    EMULATOR_PORT: '0',
    LOG_LEVEL: 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    FRONTEND_URL: 'http://localhost:5173',
    THROTTLE_LIMIT: '100000',
    THROTTLE_WEBHOOK_LIMIT: '100000',
    ...env,
  });
  const service = await startService(config, {
    log: () => undefined,
    database,
    demoDir: options.demoDir,
    sandbox: {
      port: 0,
      webhookRetryDelaysMs: [50, 100, 200],
      connectVia: options.connectVia,
      clockOffset: options.clockOffset,
      dataDir: options.emulatorDataDir ?? null,
      emulator: HOSTILE_STRIPE ? HOSTILE_REALISM : undefined,
    },
  });
  return {
    service,
    http: supertest(service.app.getHttpServer()),
    prisma: service.app.get(PrismaService),
    databaseUrl: created.url,
    database: created,
    close: () => service.close(),
  };
}
