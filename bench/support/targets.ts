import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, spawnNode, waitForOk, type NodeChild } from './processes';

const run = promisify(execFile);

/** Only what a process needs to run; nothing of the caller's billing configuration leaks in. */
export function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  return env;
}

export interface EmulatorProcess {
  child: NodeChild;
  url: string;
}

/** The emulator as its own process (`npm run emulator`), as production has Stripe elsewhere. */
export async function startEmulatorProcess(
  root: string,
  options: { nodeArgs?: string[] } = {},
): Promise<EmulatorProcess> {
  const port = await freePort();
  const child = spawnNode(join(root, 'dist', 'emulator', 'src', 'main.js'), {
    cwd: root,
    nodeArgs: options.nodeArgs,
    env: { ...baseEnv(), NODE_ENV: 'production', EMULATOR_PORT: String(port) },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForOk(child, `${url}/_emulator/clock`, 30_000);
  } catch (error) {
    await child.stop(5_000);
    throw error;
  }
  return { child, url };
}

async function control<T>(url: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}/_emulator${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`control ${path} → ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** API requests the emulator received with one key (null: the build has no counters). */
export async function stripeRequests(url: string, key: string): Promise<number | null> {
  try {
    const counters = await control<{ byKey?: Record<string, { total: number }> }>(url, '/counters');
    const masked = `${/^(sk|rk|pk)_(test|live)_/.exec(key)?.[0] ?? ''}…${key.slice(-4)}`;
    return counters.byKey?.[masked]?.total ?? 0;
  } catch {
    return null;
  }
}

/** Latency and Stripe's rate limiter in the emulator (its realism switches). */
export async function setRealism(
  url: string,
  realism: { latency: { p50Ms: number; p99Ms: number } | null; rateLimit: number | null },
): Promise<void> {
  await control(url, '/realism', realism);
}

/** The peer's packages, installed on demand into bench/.peer (not a dependency of the service). */
export const PEER_PACKAGES = ['@supabase/stripe-sync-engine@0.48.5', 'fastify@5.12.8'];

export async function ensurePeerInstalled(
  root: string,
  log: (line: string) => void,
): Promise<string> {
  const dir = join(root, 'bench', '.peer');
  const marker = join(dir, 'node_modules', '@supabase', 'stripe-sync-engine', 'package.json');
  if (existsSync(marker) && existsSync(join(dir, 'node_modules', 'fastify'))) return dir;
  log(`Installing the peer (${PEER_PACKAGES.join(', ')}) into bench/.peer …`);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'bench-peer', private: true }, null, 2)}\n`,
  );
  await run('npm', ['install', '--no-audit', '--no-fund', '--no-save', ...PEER_PACKAGES], {
    cwd: dir,
    timeout: 600_000,
  });
  return dir;
}

export interface PeerProcess {
  child: NodeChild;
  webhookUrl: string;
}

/** stripe/sync-engine's library in a small Fastify app, default settings, on its own database. */
export async function startPeerProcess(
  root: string,
  options: {
    peerDir: string;
    databaseUrl: string;
    secret: string;
    apiKey: string;
    emulatorUrl: string;
    pool: number;
    nodeArgs?: string[];
  },
): Promise<PeerProcess> {
  const port = await freePort();
  const child = spawnNode(join(root, 'bench', 'peer', 'peer-app.mjs'), {
    cwd: root,
    nodeArgs: options.nodeArgs,
    env: {
      ...baseEnv(),
      NODE_ENV: 'production',
      PEER_DIR: options.peerDir,
      DATABASE_URL: options.databaseUrl,
      PORT: String(port),
      POOL: String(options.pool),
      WEBHOOK_SECRET: options.secret,
      STRIPE_SECRET_KEY: options.apiKey,
      STRIPE_API_BASE: options.emulatorUrl,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForOk(child, `${url}/health`, 120_000);
  } catch (error) {
    await child.stop(5_000);
    throw error;
  }
  return { child, webhookUrl: `${url}/webhooks` };
}
