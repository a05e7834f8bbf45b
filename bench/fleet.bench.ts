/**
 * `npm run bench:webhooks -- --instances 1|2|3 --mode inline|queued` — the webhook stream through
 * a round-robin balancer to N instances on one PostgreSQL database, one standalone emulator.
 * Reports, besides throughput and answer latency, the lag from an event's first delivery (the
 * moment Stripe would send it: its `created`, for live traffic) to its ledger's `processedAt`
 * (p50/p99), the queue depth over time (queued mode) and each instance's CPU. Correctness is
 * verified as in the single-instance bench: every event once in the ledger, every customer equal
 * to the emulator. See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startRoundRobinProxy } from '../src/cli/round-robin-proxy';
import { packageRoot } from '../src/common/package-root';
import { deliverThroughFleet } from './fleet-load';
import { deliveryStream, EmulatorDriver, generateEvents, prng } from './support/events';
import { summarise } from './support/load';
import { createBenchDatabase, openBenchServer, withClient } from './support/postgres';
import { cpuSeconds, sleep } from './support/processes';
import { startServiceProcess, type ServiceProcess } from './support/service';
import { startEmulatorProcess } from './support/targets';
import { checkLedger, checkState } from './support/verify';

interface FleetBenchOptions {
  instances: number;
  mode: 'inline' | 'queued';
  customers: number;
  warmUpCustomers: number;
  duplicateShare: number;
  concurrency: number;
  poolSize: number;
  queueWorkers: number;
  seed: number;
  timeLimitMs: number;
}

/** Whether the command line asks for the fleet run. */
export function isFleetRun(argv: string[]): boolean {
  return argv.includes('--instances') || argv.includes('--mode');
}

function parse(argv: string[]): FleetBenchOptions {
  const value = (name: string): string | undefined => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const raw = value(name);
    const parsed = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max)
      throw new Error(`--${name} must be a number from ${min} to ${max}`);
    return parsed;
  };
  const mode = value('mode') ?? 'inline';
  if (mode !== 'inline' && mode !== 'queued') throw new Error('--mode must be inline or queued');
  return {
    instances: number('instances', 1, 1, 3),
    mode,
    customers: number('customers', 245, 10, 5_000),
    warmUpCustomers: number('warm-up-customers', 15, 1, 500),
    duplicateShare: number('duplicates', 0.3, 0, 0.9),
    concurrency: number('concurrency', 32, 1, 256),
    // Per instance: three instances × (pool + queue pool + listener) stay well under 100.
    poolSize: number('pool', 12, 1, 60),
    queueWorkers: number('queue-workers', 2, 1, 16),
    seed: number('seed', Math.floor(Math.random() * 2 ** 31), 0, 2 ** 31),
    timeLimitMs: number('time-limit', 120, 5, 600) * 1000,
  };
}

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Samples every instance's CPU and the queue's depth every `everyMs` until stopped. */
function sampler(
  databaseUrl: string,
  pids: number[],
  everyMs: number,
  queued: boolean,
): { stop(): Promise<{ depth: [number, number][]; cpuCores: number[][] }> } {
  const depth: [number, number][] = [];
  const cpuCores: number[][] = pids.map(() => []);
  let running = true;
  const started = performance.now();
  const loop = (async () => {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    let last = pids.map((pid) => cpuSeconds(pid));
    let lastAt = performance.now();
    try {
      while (running) {
        await sleep(everyMs);
        const now = performance.now();
        const current = pids.map((pid) => cpuSeconds(pid));
        current.forEach((seconds, i) => {
          const before = last[i];
          if (seconds !== null && before !== null)
            cpuCores[i].push(round2((seconds - before) / ((now - lastAt) / 1000)));
        });
        last = current;
        lastAt = now;
        // Inline mode has no queue (and no pgboss schema): its depth is 0.
        const waiting = queued
          ? (
              await client.query<{ n: string }>(
                `SELECT count(*) AS n FROM pgboss.job WHERE name = 'stripe-event' AND state < 'completed'`,
              )
            ).rows[0].n
          : '0';
        depth.push([Math.round((now - started) / 100) / 10, Number(waiting)]);
      }
    } finally {
      await client.end();
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop.catch(() => undefined);
      return { depth, cpuCores };
    },
  };
}

export async function runFleetBench(argv: string[]): Promise<void> {
  const options = parse(argv);
  const root = packageRoot(__dirname);
  const cleanups: (() => Promise<void>)[] = [];
  const server = await openBenchServer(log);
  try {
    log(
      `Fleet bench: ${options.instances} instance(s), WEBHOOK_MODE=${options.mode}, ` +
        `${options.concurrency} in flight, pool ${options.poolSize}/instance, seed ${options.seed}`,
    );
    const emulator = await startEmulatorProcess(root);
    cleanups.unshift(() => emulator.child.stop(5_000));
    const driver = new EmulatorDriver(emulator.url);
    await driver.control(
      '/catalog/seed',
      JSON.parse(readFileSync(join(root, 'emulator', 'catalog', 'sandbox-catalog.json'), 'utf8')),
    );
    log(`Generating events (${options.customers} + ${options.warmUpCustomers} warm-up customers)…`);
    const generation = await createBenchDatabase(server);
    const generated = await generateEvents(driver, generation.url, {
      customers: options.customers,
      warmUpCustomers: options.warmUpCustomers,
      log,
    }).finally(() => generation.drop());
    const random = prng(options.seed);
    const warmUp = deliveryStream(generated.warmUp, options.duplicateShare, random);
    const stream = deliveryStream(generated.measured, options.duplicateShare, random);
    log(`  ${generated.measured.length} distinct events → ${stream.length} deliveries`);

    const database = await createBenchDatabase(server);
    cleanups.unshift(() => database.drop());
    await withClient(database.url, async (client) => {
      for (const [i, customer] of generated.customers.entries())
        await client.query(
          `INSERT INTO "Account" ("id", "kind", "externalId", "email", "updatedAt")
           VALUES ($1::uuid, 'USER', $2, $3, now())`,
          [customer.accountId, `bench_user_${i}`, `bench_${i}@example.test`],
        );
    });
    const secret = `whsec_bench_${randomBytes(16).toString('hex')}`;
    const env = {
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: String(options.poolSize),
      LOG_LEVEL: 'warn',
      THROTTLE_LIMIT: '100000000',
      THROTTLE_WEBHOOK_LIMIT: '100000000',
      JWT_SECRET: randomBytes(32).toString('hex'),
      STRIPE_API_BASE: emulator.url,
      STRIPE_WEBHOOK_SECRETS: secret,
      WEBHOOK_MODE: options.mode,
      QUEUE_WORKERS: String(options.queueWorkers),
      SYNC_ON_START: 'false',
    };
    const instances: ServiceProcess[] = [];
    const startInstance = async (): Promise<ServiceProcess> => {
      const instance = await startServiceProcess({ root, env, readyTimeoutMs: 60_000 });
      cleanups.unshift(() => instance.child.stop(5_000));
      instances.push(instance);
      return instance;
    };
    await startInstance();
    await Promise.all(Array.from({ length: options.instances - 1 }, startInstance));
    const proxy = await startRoundRobinProxy(
      instances.map((instance) => instance.url),
      0,
    );
    cleanups.unshift(() => proxy.close());
    const webhookUrl = `${proxy.url}/api/webhooks/stripe`;
    const delivery = {
      secret,
      concurrency: options.concurrency,
      timeLimitMs: options.timeLimitMs,
    };
    const ids = generated.measured.map((event) => event.id);
    const settled = async (eventIds: string[]): Promise<number> =>
      withClient(database.url, async (client) => {
        const { rows } = await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM "WebhookEvent"
           WHERE "stripeEventId" = ANY($1) AND "status" IN ('PROCESSED', 'IGNORED')`,
          [eventIds],
        );
        return Number(rows[0].n);
      });
    const drain = async (eventIds: string[]): Promise<number> => {
      const started = performance.now();
      while ((await settled(eventIds)) < eventIds.length) {
        if (performance.now() - started > options.timeLimitMs) break;
        await sleep(100);
      }
      return Math.round(performance.now() - started);
    };
    log('Warm-up…');
    await deliverThroughFleet(webhookUrl, warmUp, delivery);
    await drain(generated.warmUp.map((event) => event.id));

    log('Measured stream…');
    const pids = instances.map((instance) => instance.child.pid);
    const cpuBefore = pids.map((pid) => cpuSeconds(pid));
    const requestsBefore = [...proxy.counts];
    const samples = sampler(database.url, pids, 500, options.mode === 'queued');
    const startedAt = Date.now();
    const run = await deliverThroughFleet(webhookUrl, stream, delivery);
    const drainMs = await drain(ids);
    const series = await samples.stop();
    const cpuAfter = pids.map((pid) => cpuSeconds(pid));
    const appliedMs = Date.now() - startedAt;

    const lags = await withClient(database.url, async (client) => {
      const { rows } = await client.query<{ stripeEventId: string; processedAt: Date | null }>(
        `SELECT "stripeEventId", "processedAt" FROM "WebhookEvent" WHERE "stripeEventId" = ANY($1)`,
        [ids],
      );
      return rows.flatMap((row) => {
        const sent = run.firstSentAt.get(row.stripeEventId);
        return sent === undefined || row.processedAt === null
          ? []
          : [Math.max(0, row.processedAt.getTime() - sent)];
      });
    });
    const ledger = await checkLedger(database.url, [
      ...generated.warmUp.map((event) => event.id),
      ...ids,
    ]);
    const state = await checkState(driver, database.url, generated.customers);
    const perInstance = pids.map((_, i) => {
      const requests = proxy.counts[i] - requestsBefore[i];
      const before = cpuBefore[i];
      const after = cpuAfter[i];
      const seconds = before === null || after === null ? null : after - before;
      return {
        requests,
        cpuSeconds: seconds === null ? null : round2(seconds),
        cpuCores: seconds === null ? null : round2(seconds / (appliedMs / 1000)),
        cpuMsPerDelivery:
          seconds === null || requests === 0 ? null : round2((seconds * 1000) / requests),
        cpuCoresPeak: series.cpuCores[i].length === 0 ? null : Math.max(...series.cpuCores[i]),
      };
    });
    const result = {
      instances: options.instances,
      mode: options.mode,
      seed: options.seed,
      machine: { cpus: cpus().length, loadavg: loadavg().map(round2) },
      deliveries: run.completed,
      deliveriesPerSecond: run.deliveriesPerSecond,
      answerLatencyMs: run.latencyMs,
      distinctEvents: ids.length,
      eventsAppliedPerSecond: Math.round((ids.length / appliedMs) * 1000),
      drainAfterLastAnswerMs: drainMs,
      lagFirstDeliveryToAppliedMs: summarise(lags),
      queueDepth: {
        max: series.depth.reduce((max, [, n]) => Math.max(max, n), 0),
        overTime: series.depth,
      },
      perInstance,
      errors: run.errors,
      errorSamples: run.errorSamples,
      verified: ledger.ok && state.ok && run.errors === 0 && run.completed === stream.length,
      verification: { ledger, state: { ...state, mismatches: state.mismatches.slice(0, 3) } },
    };
    const resultsDir = join(root, 'bench', 'results');
    await mkdir(resultsDir, { recursive: true });
    const file = join(
      resultsDir,
      `fleet-${options.instances}-${options.mode}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    );
    await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);

    log('');
    log(
      `instances ${options.instances}, ${options.mode}: ${run.deliveriesPerSecond} deliveries/s, ` +
        `answers p50 ${run.latencyMs.p50} ms / p99 ${run.latencyMs.p99} ms; ` +
        `${result.eventsAppliedPerSecond} events applied/s (drained ${drainMs} ms after the last answer)`,
    );
    log(
      `lag first delivery → applied: p50 ${result.lagFirstDeliveryToAppliedMs.p50} ms, ` +
        `p99 ${result.lagFirstDeliveryToAppliedMs.p99} ms, max ${result.lagFirstDeliveryToAppliedMs.max} ms`,
    );
    if (options.mode === 'queued')
      log(
        `queue depth: max ${result.queueDepth.max}; over time (s → jobs): ` +
          series.depth
            .filter((_, i) => i % 2 === 0)
            .map(([t, n]) => `${t}→${n}`)
            .join(' '),
      );
    for (const [i, stats] of perInstance.entries())
      log(
        `instance ${i + 1}: ${stats.requests} requests, ${stats.cpuCores} cores avg ` +
          `(peak ${stats.cpuCoresPeak}), ${stats.cpuMsPerDelivery} ms CPU per delivery`,
      );
    log(
      `verified: ${result.verified} (ledger ${ledger.ok}, state ${state.matching}/${state.customers}, ` +
        `errors ${run.errors}); machine load ${result.machine.loadavg.join(' ')} on ${result.machine.cpus} cores`,
    );
    log(`→ ${file}`);
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await server.stop();
  }
}
