import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../../src/common/package-root';
import { TEST_ADMIN_KEY, TEST_JWT_SECRET } from './tokens';

const ROOT = packageRoot();
const MAIN = join(ROOT, 'dist', 'src', 'main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'generated') newest = Math.max(newest, newestSource(path));
    } else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The built service (`dist/`) as `npm start` runs it, rebuilt first when the sources are newer.
 * Test files run in parallel workers: a lock folder makes one of them build while the others
 * wait for it.
 */
export async function ensureBuilt(): Promise<void> {
  const stale = (): boolean =>
    !existsSync(MAIN) ||
    statSync(MAIN).mtimeMs <
      Math.max(newestSource(join(ROOT, 'src')), newestSource(join(ROOT, 'emulator', 'src')));
  const lock = join(ROOT, 'node_modules', '.billing-build-lock');
  while (stale()) {
    try {
      mkdirSync(lock);
    } catch {
      await sleep(500);
      continue;
    }
    try {
      if (stale()) execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'pipe' });
    } finally {
      rmdirSync(lock);
    }
  }
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  url: string;
  /** The in-process emulator's address (sandbox mode). */
  emulatorUrl?: string;
  /** Calls the emulator's control API (`/_emulator/…`). */
  control(path: string, body?: unknown): Promise<unknown>;
  child: ChildProcess;
  exited: Promise<ExitStatus>;
  /** Every line the process wrote to stdout, parsed when it is JSON. */
  logLines(): Record<string, unknown>[];
  /** SIGKILL if it still runs; resolves once it is gone. */
  kill(): Promise<void>;
}

/**
 * Spawns `node dist/src/main.js` in sandbox mode on the given database, with the suite's
 * secrets and a free port, and waits until it says where it listens.
 */
export async function startServiceProcess(
  env: Record<string, string>,
  options: { readyTimeoutMs?: number } = {},
): Promise<ServiceProcess> {
  await ensureBuilt();
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      EMULATOR_PORT: '0',
      JWT_SECRET: TEST_JWT_SECRET,
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      FRONTEND_URL: 'http://localhost:5173',
      THROTTLE_LIMIT: '100000',
      THROTTLE_WEBHOOK_LIMIT: '100000',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let emulatorUrl: string | undefined;
  const exited = new Promise<ExitStatus>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const listening = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      emulatorUrl ??= /Stripe emulator running at (http:\/\/[^\s"]+)/.exec(line)?.[1];
      const url = /listening on (http:\/\/\S+)/.exec(line)?.[1];
      if (url !== undefined) resolve(url);
    });
    createInterface({ input: child.stderr }).on('line', (line) => lines.push(line));
    void exited.then((status) =>
      reject(
        new Error(
          `the service exited before listening (${JSON.stringify(status)}):\n${lines.join('\n')}`,
        ),
      ),
    );
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the service did not start in time:\n${lines.join('\n')}`)),
      options.readyTimeoutMs ?? 60_000,
    );
  });
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  try {
    const url = await Promise.race([listening, timeout]);
    return {
      url,
      emulatorUrl,
      control: async (path, body) => {
        if (emulatorUrl === undefined) throw new Error('no emulator in this service');
        const response = await fetch(`${emulatorUrl}/_emulator${path}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers: { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        if (!response.ok) throw new Error(`control ${path} → ${response.status}`);
        return (await response.json()) as unknown;
      },
      child,
      exited,
      kill,
      logLines: () =>
        lines.flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [{ msg: line }];
          }
        }),
    };
  } catch (error) {
    await kill();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
