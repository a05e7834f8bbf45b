import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import Stripe from 'stripe';
import {
  startEmulatorProcess,
  type EmulatorProcess,
} from '../../emulator/test/support/emulator-process';
import type { OpenDatabase } from '../../src/database/database-location';
import { startServiceProcess, type ServiceProcess } from './service-process';
import { createTestDatabase } from './test-database';
import { TEST_ADMIN_KEY, TEST_JWT_SECRET } from './tokens';

/** N service processes on one PostgreSQL database with one standalone emulator. */
export interface Fleet {
  emulator: EmulatorProcess;
  database: OpenDatabase;
  instances: ServiceProcess[];
  /** The official SDK against the shared emulator (Stripe's side). */
  stripe: Stripe;
  /** A connection to the fleet's database, for assertions. */
  db: Client;
  /** The settings every instance got (DATABASE_URL, STRIPE_API_BASE, the test's own). */
  env: Record<string, string>;
  /** Starts one more instance with the fleet's settings (and `env` over them). */
  add(env?: Record<string, string>): Promise<ServiceProcess>;
  /** Waits until the emulator has delivered every webhook it queued. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export async function startFleet(
  size: number,
  env: Record<string, string> = {},
  options: { emulatorArgs?: string[] } = {},
): Promise<Fleet> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fleet-emulator-'));
  const emulator = await startEmulatorProcess([
    '--port',
    '0',
    '--data-dir',
    dataDir,
    ...(options.emulatorArgs ?? []),
  ]);
  const database = await createTestDatabase();
  const shared = { STRIPE_API_BASE: emulator.url, DATABASE_URL: database.url, ...env };
  const instances: ServiceProcess[] = [];
  const db = new Client({ connectionString: database.url });
  const add = async (more: Record<string, string> = {}): Promise<ServiceProcess> => {
    const instance = await startServiceProcess({ ...shared, ...more });
    instances.push(instance);
    return instance;
  };
  try {
    await db.connect();
    // One at a time: the first migrates the database and seeds the catalog.
    await add();
    await Promise.all(Array.from({ length: size - 1 }, () => add()));
  } catch (error) {
    for (const instance of instances) await instance.stop();
    await emulator.stop();
    await db.end().catch(() => undefined);
    throw error;
  }
  const { hostname, port } = new URL(emulator.url);
  const stripe = new Stripe('sk_test_suite', {
    host: hostname,
    port: Number(port),
    protocol: 'http',
    maxNetworkRetries: 2,
  });
  return {
    emulator,
    database,
    instances,
    stripe,
    db,
    env: shared,
    add,
    flush: async () => {
      const response = await fetch(`${emulator.url}/_emulator/webhooks/flush`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      if (!response.ok) throw new Error(`flush → ${response.status}`);
    },
    stop: async () => {
      await Promise.all(instances.map((instance) => instance.stop()));
      await emulator.stop();
      await db.end().catch(() => undefined);
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface WorkerProcess {
  child: ChildProcess;
  output: string[];
  exited: Promise<void>;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/** `npm run worker` as a real process (from the TypeScript sources), once it says it is ready. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const root = join(__dirname, '..', '..');
  const child = spawn(
    process.execPath,
    ['-r', join(root, 'scripts', 'ts-require-hook.cjs'), join(root, 'src', 'cli', 'worker.ts')],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        LOG_LEVEL: 'warn',
        JWT_SECRET: TEST_JWT_SECRET,
        ADMIN_API_KEY: TEST_ADMIN_KEY,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      if (line.includes('Worker ready')) resolve();
    });
    void exited.then(() => reject(new Error(`the worker exited:\n${output.join('\n')}`)));
  });
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    child,
    output,
    exited,
    stop: async () => {
      if (alive()) child.kill('SIGTERM');
      await exited;
    },
    kill: async () => {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
  };
}
