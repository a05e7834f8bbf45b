#!/usr/bin/env node
// Peak resident memory of the built service under a steady load (DESIGN §9).
//
//   npm run build
//   DATABASE_URL=postgresql://… node scripts/rss-under-load.mjs [--rate 450] [--seconds 20]
//
// Starts `node dist/src/main.js` (sandbox mode: the emulator in the process; with
// STRIPE_SECRET_KEY and STRIPE_API_BASE set: stripe mode against that Stripe-compatible host),
// warms it up, drives a mix of the frontend's reads and entitlement checks at a fixed rate with
// autocannon, samples the process's RSS every 100 ms and prints the peak (VmHWM) with the
// throughput reached. The service runs as `npm start` runs it (4 MB semi-spaces, a 256 MB old
// generation, two malloc arenas); NODE_FLAGS replaces the node flags (e.g. NODE_FLAGS="--heapsnapshot-signal=SIGUSR2").
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { clearInterval, setInterval, setTimeout } from 'node:timers';
import { parseArgs } from 'node:util';

const { fetch } = globalThis;

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');
const jwt = require('jsonwebtoken');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '450' },
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '20' },
  },
});
const secret = 'rss-under-load-secret-0123456789abcdefghij';
const env = {
  MALLOC_ARENA_MAX: '2',
  ...process.env,
  PORT: '0',
  HOST: '127.0.0.1',
  EMULATOR_PORT: '0',
  JWT_SECRET: secret,
  LOG_LEVEL: 'warn',
  NODE_ENV: 'production',
  THROTTLE_LIMIT: '100000000',
  FRONTEND_URL: process.env.FRONTEND_URL ?? 'http://localhost:5173',
};
const nodeFlags = (process.env.NODE_FLAGS ?? '--max-semi-space-size=4 --max-old-space-size=256')
  .split(' ')
  .filter(Boolean);
const child = spawn(process.execPath, [...nodeFlags, join(root, 'dist/src/main.js')], {
  cwd: root,
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  child.once('exit', (code) => reject(new Error(`the service exited with ${code}`)));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const found = /listening on (http:\/\/\S+)/.exec(line)?.[1];
    if (found) resolve(found);
  });
});

const status = () => readFileSync(`/proc/${child.pid}/status`, 'utf8');
const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status())?.[1] ?? 0);
const mb = (value) => Math.round(value / 1024);

const tokens = Array.from({ length: 50 }, (_, i) =>
  jwt.sign({ sub: `rss_user_${i}`, email: `rss${i}@example.test` }, secret, {
    algorithm: 'HS256',
    expiresIn: '1h',
  }),
);
const requests = tokens.flatMap((token) => {
  const headers = { authorization: `Bearer ${token}` };
  return [
    { method: 'GET', path: '/api/catalog/products', headers },
    { method: 'GET', path: '/api/entitlements/chat', headers },
    { method: 'GET', path: '/api/subscriptions/current', headers },
    { method: 'GET', path: '/api/entitlements', headers },
    { method: 'GET', path: '/api/payments?limit=20', headers },
  ];
});
let next = 0;
const run = (seconds, rate) =>
  autocannon({
    url,
    connections: Number(values.connections),
    duration: seconds,
    ...(rate ? { overallRate: rate } : {}),
    requests: [
      { setupRequest: (request) => ({ ...request, ...requests[next++ % requests.length] }) },
    ],
  });

// Accounts exist and caches are warm before measuring, as in a service that has been running.
await run(3, 200);
const idle = kb('VmRSS');
let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, kb('VmRSS'))), 100);
const heap = async () => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const pick = (name) =>
    mb(Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? 0) / 1024);
  return {
    heapTotalMb: pick('billing_nodejs_heap_size_total_bytes'),
    heapUsedMb: pick('billing_nodejs_heap_size_used_bytes'),
    externalMb: pick('billing_nodejs_external_memory_bytes'),
  };
};
const heapBefore = await heap();
const loading = run(Number(values.seconds), Number(values.rate));
await new Promise((resolve) => setTimeout(resolve, (Number(values.seconds) * 1000) / 2));
const heapDuring = await heap();
const result = await loading;
clearInterval(sampler);
const report = {
  mode: env.STRIPE_SECRET_KEY ? 'stripe' : 'sandbox',
  rate: Number(values.rate),
  seconds: Number(values.seconds),
  achievedRps: Math.round(result.requests.average),
  non2xx: result.non2xx,
  errors: result.errors,
  latencyP99Ms: result.latency.p99,
  rssBeforeMb: mb(idle),
  rssPeakSampledMb: mb(peak),
  rssHighWaterMarkMb: mb(kb('VmHWM')),
  heapBefore,
  heapDuring,
};
console.log(JSON.stringify(report, null, 2));
child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
