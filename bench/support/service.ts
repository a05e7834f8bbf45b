import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep, spawnNode, waitForOk, type NodeChild } from './processes';

/** Only what a process needs to run; nothing of the caller's billing configuration leaks in. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  return env;
}

export interface ServiceProcess {
  child: NodeChild;
  url: string;
  emulatorUrl: string;
  /** Spawn to the first 200 from /api/health/ready, in ms. */
  readyMs: number;
}

/**
 * The runtime settings `npm start` and the container image give the service: a young generation
 * of 4 MB semi-spaces and two malloc arenas keep its resident memory small (DESIGN §9).
 */
export const SERVICE_NODE_ARGS = ['--max-semi-space-size=4', '--max-old-space-size=256'];
export const SERVICE_RUNTIME_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_TRIM_THRESHOLD_: '131072',
  MALLOC_MMAP_THRESHOLD_: '131072',
};

/**
 * `node dist/src/main.js` in sandbox mode (no STRIPE_SECRET_KEY: unless STRIPE_API_BASE names
 * one, the emulator runs in the service's process), as `npm start` runs it, with the given
 * settings.
 */
export async function startServiceProcess(options: {
  root: string;
  env: Record<string, string>;
  nodeArgs?: string[];
  readyTimeoutMs: number;
}): Promise<ServiceProcess> {
  const port = await freePort();
  const emulatorPort = await freePort();
  const child = spawnNode(join(options.root, 'dist', 'src', 'main.js'), {
    cwd: options.root,
    nodeArgs: [...SERVICE_NODE_ARGS, ...(options.nodeArgs ?? [])],
    env: {
      ...baseEnv(),
      ...SERVICE_RUNTIME_ENV,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      EMULATOR_HOST: '127.0.0.1',
      EMULATOR_PORT: String(emulatorPort),
      FRONTEND_URL: 'http://localhost:5173',
      ...options.env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    const readyMs = await waitForOk(child, `${url}/api/health/ready`, options.readyTimeoutMs);
    return { child, url, emulatorUrl: `http://127.0.0.1:${emulatorPort}`, readyMs };
  } catch (error) {
    await child.stop(5_000);
    throw error;
  }
}

/** Stops a PostgreSQL server left running in `dataDir` (its postmaster.pid), if any. */
async function stopLeftoverPostgres(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && existsSync(pidFile); i++) await sleep(100);
}

export interface ColdStart {
  /** First start: the embedded PostgreSQL is initialised in an empty folder (initdb), migrated. */
  firstBootMs: number | null;
  /** Second start on the same folder: the usual `npm run dev` restart. */
  restartMs: number | null;
  error?: string;
}

/**
 * Cold start to ready in sandbox mode with the embedded PostgreSQL in a temporary folder, as a
 * newcomer's `npm run dev` does: spawn → first 200 from /api/health/ready. Twice: the first
 * start includes initdb; the second reuses the data folder.
 */
export async function measureColdStart(root: string): Promise<ColdStart> {
  const folder = await mkdtemp(join(tmpdir(), 'billing-bench-cold-'));
  await chmod(folder, 0o755);
  const dataDir = join(folder, 'postgres');
  const result: ColdStart = { firstBootMs: null, restartMs: null };
  const env = async (): Promise<Record<string, string>> => ({
    EMBEDDED_DB_DIR: dataDir,
    EMBEDDED_DB_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    JWT_SECRET: 'bench-cold-start-secret-0123456789abcdef',
  });
  try {
    for (const key of ['firstBootMs', 'restartMs'] as const) {
      const service = await startServiceProcess({
        root,
        env: await env(),
        readyTimeoutMs: 120_000,
      });
      result[key] = Math.round(service.readyMs);
      await service.child.stop(20_000);
      await stopLeftoverPostgres(dataDir);
    }
  } catch (error) {
    result.error = (error as Error).message.slice(0, 2000);
  } finally {
    await stopLeftoverPostgres(dataDir);
    await rm(folder, { recursive: true, force: true });
  }
  return result;
}
