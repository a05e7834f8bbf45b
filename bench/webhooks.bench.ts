/**
 * `npm run bench:webhooks` — webhook ingestion under load, side by side with stripe/sync-engine.
 * Stripe (the emulator) runs in its own process, as production has Stripe elsewhere; this
 * service (`node dist/src/main.js`, its emulator given by STRIPE_API_BASE) and the peer
 * (`@supabase/stripe-sync-engine` in a small Fastify app) each run in their own process on their
 * own database of the same PostgreSQL, fed the same stream, interleaved. See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import type Stripe from 'stripe';
import { packageRoot } from '../src/common/package-root';
import { isFleetRun, runFleetBench } from './fleet.bench';
import {
  deliveryStream,
  EmulatorDriver,
  generateEvents,
  prng,
  type BenchCustomer,
} from './support/events';
import { deliverWebhooks, measureGet, type DeliveryRun, type HttpRun } from './support/load';
import {
  createBenchDatabase,
  openBenchServer,
  withClient,
  type BenchDatabase,
  type BenchServer,
} from './support/postgres';
import {
  cpuSeconds,
  freePort,
  machineJiffies,
  residentBytes,
  sampleResidentMemory,
  spawnNode,
  waitForOk,
  type NodeChild,
} from './support/processes';
import { measureColdStart, startServiceProcess, type ColdStart } from './support/service';
import {
  ensurePeerInstalled,
  setRealism,
  startEmulatorProcess,
  startPeerProcess,
  stripeRequests,
  type EmulatorProcess,
} from './support/targets';
import { checkLedger, checkPeerState, checkState, type PeerStateCheck } from './support/verify';

/** The whole run stops by itself after this, whatever happens. */
const HARD_LIMIT_MS = 40 * 60_000;
/** The key the service presents in sandbox mode, and the peer's (distinct last four). */
const SERVICE_KEY = 'sk_test_sandbox';
const PEER_KEY = 'sk_test_peer_0001';
/**
 * `GET /api/subscriptions/current` during the runs with reads (Stripe fast, then slow): a busy
 * app's account pages.
 */
const READS_PER_SECOND = 100;

interface Options {
  customers: number;
  warmUpCustomers: number;
  duplicateShare: number;
  concurrency: number;
  poolSize: number;
  getSeconds: number;
  deliveryTimeLimitMs: number;
  seed: number;
  runs: number;
  peer: boolean;
  /** Stripe's median latency for the second run of this service (p99 = 4×), or null. */
  stripeLatencyMs: number | null;
  /** Stripe's rate limit (requests/s per key) for that run, or null. */
  rateLimit: number | null;
  /** Rows written into the service's tables before its runs. */
  prefill: number;
  coldStart: boolean;
  cpuProfile: boolean;
  /** Extra Node.js options for the service process (`--node-arg <option>`, repeatable). */
  serviceNodeArgs: string[];
  /** Extra environment for the service process (`--service-env NAME=VALUE`, repeatable). */
  serviceEnv: Record<string, string>;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const raw = value(name);
    const parsed = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
      throw new Error(`--${name} must be a number from ${min} to ${max}`);
    }
    return parsed;
  };
  const optional = (name: string, min: number, max: number): number | null =>
    value(name) === undefined ? null : number(name, 0, min, max);
  return {
    customers: number('customers', 245, 10, 5_000),
    warmUpCustomers: number('warm-up-customers', 15, 1, 500),
    duplicateShare: number('duplicates', 0.3, 0, 0.9),
    concurrency: number('concurrency', 32, 1, 256),
    poolSize: number('pool', 40, 1, 200),
    getSeconds: number('get-seconds', 5, 1, 60),
    deliveryTimeLimitMs: number('time-limit', 120, 5, 600) * 1000,
    seed: number('seed', Math.floor(Math.random() * 2 ** 31), 0, 2 ** 31),
    runs: number('runs', 1, 1, 9),
    peer: !argv.includes('--no-peer'),
    stripeLatencyMs: optional('stripe-latency', 1, 10_000),
    rateLimit: optional('rate-limit', 1, 10_000),
    prefill: number('prefill', 0, 0, 5_000_000),
    coldStart: !argv.includes('--no-cold-start'),
    cpuProfile: argv.includes('--cpu-prof'),
    serviceNodeArgs: argv.flatMap((arg, i) =>
      arg === '--node-arg' && i + 1 < argv.length ? [argv[i + 1]] : [],
    ),
    serviceEnv: Object.fromEntries(
      argv.flatMap((arg, i) => {
        if (arg !== '--service-env' || i + 1 >= argv.length) return [];
        const [name, ...rest] = argv[i + 1].split('=');
        return [[name, rest.join('=')]];
      }),
    ),
  };
}

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const mb = (bytes: number | null): number | null =>
  bytes === null ? null : Math.round((bytes / 1024 / 1024) * 10) / 10;
const pct = (part: number, whole: number): number =>
  whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10;
const round2 = (n: number): number => Math.round(n * 100) / 100;
const median = (values: (number | null)[]): number | null => {
  const present = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (present.length === 0) return null;
  const middle = Math.floor(present.length / 2);
  return round2(
    present.length % 2 === 1 ? present[middle] : (present[middle - 1] + present[middle]) / 2,
  );
};

/** One measured delivery of the stream to one target. */
interface Measure {
  target: 'service' | 'peer' | 'service (reads, fast Stripe)' | 'service (slow Stripe)';
  run: DeliveryRun;
  serviceCpuMsPerDelivery: number | null;
  serviceCpuCores: number | null;
  machineCpuPercent: number | null;
  peakRssMb: number | null;
  stripeCallsPerDelivery: number | null;
  windowFromSpawnMs: [number, number];
  verified: boolean;
  verification: unknown;
  /** DB-only reads measured during the stream (the slow-Stripe run). */
  readsDuringStream?: HttpRun;
  /**
   * This service's own counters after the run (warm-up included): the engine's fetches by kind
   * and reason, Stripe calls by purpose and outcome, 429s from Stripe.
   */
  engineCounters?: Record<string, number>;
}

/** The service's Prometheus counters that explain its Stripe traffic, summed by label set. */
async function engineCounters(serviceUrl: string): Promise<Record<string, number>> {
  const response = await fetch(`${serviceUrl}/metrics`);
  const text = await response.text();
  const wanted =
    /^(billing_sync_fetches_total|billing_sync_fetches_coalesced_total|billing_stripe_calls_total|billing_stripe_rate_limited_total|billing_stripe_budget_exhausted_total|billing_sync_verdicts_total|billing_stripe_budget_wait_seconds_sum|billing_stripe_budget_wait_seconds_count)(\{[^}]*\})? ([0-9.e+]+)$/;
  const counters: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = wanted.exec(line);
    if (match !== null && Number(match[3]) > 0)
      counters[`${match[1]}${match[2] ?? ''}`] = Number(match[3]);
  }
  return counters;
}

/** `measureGet` at a fixed rate, run in a process of its own (`bench/reads-probe.ts`). */
async function measureGetApart(
  root: string,
  url: string,
  options: {
    connections: number;
    durationSeconds: number;
    ratePerSecond: number;
    authorization: string;
  },
): Promise<HttpRun> {
  const probe = spawnNode(join(root, 'dist', 'bench', 'reads-probe.js'), {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      READS_URL: url,
      READS_CONNECTIONS: String(options.connections),
      READS_SECONDS: String(options.durationSeconds),
      READS_RATE: String(options.ratePerSecond),
      READS_AUTHORIZATION: options.authorization,
    },
  });
  let stdout = '';
  probe.process.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  const code = await probe.exited;
  const last = stdout.trim().split('\n').at(-1);
  if (code !== 0 || last === undefined || !last.startsWith('{"result"'))
    throw new Error(`the reads probe failed (exit ${code}): ${probe.output().join('\n')}`);
  return (JSON.parse(last) as { result: HttpRun }).result;
}

async function measure(
  child: NodeChild,
  url: string,
  stream: Stripe.Event[],
  options: { secret: string; concurrency: number; timeLimitMs: number },
  counters: () => Promise<number | null>,
): Promise<Omit<Measure, 'target' | 'verified' | 'verification'>> {
  const callsBefore = await counters();
  const cpuBefore = cpuSeconds(child.pid);
  const machineBefore = machineJiffies();
  const memory = sampleResidentMemory(child.pid);
  const started = performance.now();
  const run = await deliverWebhooks(url, stream, options);
  const seconds = (performance.now() - started) / 1000;
  const rss = memory.stop();
  const cpuAfter = cpuSeconds(child.pid);
  const machineAfter = machineJiffies();
  const callsAfter = await counters();
  return {
    run,
    windowFromSpawnMs: [
      Math.round(started - child.startedAt),
      Math.round(performance.now() - child.startedAt),
    ],
    serviceCpuCores:
      cpuBefore === null || cpuAfter === null ? null : round2((cpuAfter - cpuBefore) / seconds),
    serviceCpuMsPerDelivery:
      cpuBefore === null || cpuAfter === null || run.completed === 0
        ? null
        : round2(((cpuAfter - cpuBefore) * 1000) / run.completed),
    machineCpuPercent:
      machineBefore === null || machineAfter === null
        ? null
        : pct(machineAfter.busy - machineBefore.busy, machineAfter.total - machineBefore.total),
    peakRssMb: mb(rss.peakBytes),
    stripeCallsPerDelivery:
      callsBefore === null || callsAfter === null || run.completed === 0
        ? null
        : Math.round(((callsAfter - callsBefore) / run.completed) * 1000) / 1000,
  };
}

/** Account rows as the API would have created them: one per benchmark customer. */
async function insertAccounts(databaseUrl: string, customers: BenchCustomer[]): Promise<void> {
  await withClient(databaseUrl, async (client) => {
    for (let i = 0; i < customers.length; i += 500) {
      const chunk = customers.slice(i, i + 500);
      const values = chunk.map(
        (_, j) => `($${j * 3 + 1}::uuid, 'USER', $${j * 3 + 2}, $${j * 3 + 3}, now())`,
      );
      await client.query(
        `INSERT INTO "Account" ("id", "kind", "externalId", "email", "updatedAt") VALUES ${values.join(', ')}`,
        chunk.flatMap((customer, j) => [
          customer.accountId,
          `bench_user_${i + j}`,
          `bench_${i + j}@example.test`,
        ]),
      );
    }
  });
}

/**
 * Rows of other customers already in the tables the hot path reads and writes: accounts,
 * subscriptions, billing history, ledger and watermarks, `rows` in all.
 */
async function prefill(databaseUrl: string, rows: number): Promise<void> {
  const quarter = Math.floor(rows / 4);
  await withClient(databaseUrl, async (client) => {
    await client.query(
      `INSERT INTO "Account" ("id", "kind", "externalId", "email", "stripeCustomerId", "updatedAt")
       SELECT gen_random_uuid(), 'USER', 'prefill_' || g, 'prefill_' || g || '@example.test', 'cus_prefill_' || g, now()
       FROM generate_series(1, $1) g`,
      [quarter],
    );
    await client.query(
      `INSERT INTO "Subscription" ("id", "stripeId", "accountId", "stripeCustomerId", "status", "priceId", "productId",
         "quantity", "currentPeriodStart", "currentPeriodEnd", "stripeCreatedAt", "stripeSyncedAt", "updatedAt")
       SELECT gen_random_uuid(), 'sub_prefill_' || a."externalId", a."id", a."stripeCustomerId", 'active', 'price_pro_monthly',
         'prod_pro', 1, now(), now() + interval '30 days', now(), now(), now()
       FROM "Account" a WHERE a."externalId" LIKE 'prefill_%'`,
    );
    await client.query(
      `INSERT INTO "Payment" ("id", "sourceKey", "accountId", "type", "status", "amount", "currency", "stripeInvoiceId",
         "occurredAt", "updatedAt")
       SELECT gen_random_uuid(), 'invoice:in_prefill_' || a."externalId", a."id", 'SUBSCRIPTION', 'COMPLETED', 2900, 'usd',
         'in_prefill_' || a."externalId", now(), now()
       FROM "Account" a WHERE a."externalId" LIKE 'prefill_%'`,
    );
    await client.query(
      `INSERT INTO "WebhookEvent" ("id", "stripeEventId", "type", "stripeCreatedAt", "receivedAt", "status", "attempts", "payload")
       SELECT gen_random_uuid(), 'evt_prefill_' || g, 'invoice.paid', now(), now(), 'PROCESSED', 1, '{}'::jsonb
       FROM generate_series(1, $1) g`,
      [rows - 3 * quarter],
    );
    await client.query(
      `INSERT INTO "StripeObjectWatermark" ("stripeId", "kind", "stateFrom", "stateUntil", "progress", "hash")
       SELECT 'sub_prefill_' || g, 'subscription', 1, 2, '{1,1}', 'x' FROM generate_series(1, $1) g`,
      [quarter],
    );
    await client.query('ANALYZE');
  });
}

function row(cells: (string | number | null)[], widths: number[]): string {
  return cells
    .map((cell, i) => {
      const text = cell === null ? '—' : String(cell);
      return i === 0 ? text.padEnd(widths[i]) : text.padStart(widths[i]);
    })
    .join('  ');
}

async function main(): Promise<void> {
  // --instances / --mode: the fleet run (bench/fleet.bench.ts).
  if (isFleetRun(process.argv.slice(2))) return runFleetBench(process.argv.slice(2));
  const options = parseOptions(process.argv.slice(2));
  const root = packageRoot(__dirname);
  const startedAt = new Date();
  const cleanups: (() => Promise<void>)[] = [];
  const hardLimit = setTimeout(() => {
    console.error(`bench: hard limit of ${HARD_LIMIT_MS / 60_000} min reached; stopping`);
    void Promise.allSettled(cleanups.map((cleanup) => cleanup())).then(() => process.exit(2));
  }, HARD_LIMIT_MS);
  hardLimit.unref();
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.splice(0)) await step().catch(() => undefined);
  };

  let server: BenchServer | undefined;
  try {
    server = await openBenchServer(log);
    const benchServer = server;
    log(`PostgreSQL: ${server.source}`);
    const emulator: EmulatorProcess = await startEmulatorProcess(root);
    cleanups.unshift(() => emulator.child.stop(5_000));
    log(`Stripe emulator (its own process, pid ${emulator.child.pid}) at ${emulator.url}`);
    const driver = new EmulatorDriver(emulator.url);
    await driver.control(
      '/catalog/seed',
      JSON.parse(readFileSync(join(root, 'emulator', 'catalog', 'sandbox-catalog.json'), 'utf8')),
    );

    log(`Generating events (${options.customers} + ${options.warmUpCustomers} warm-up customers)…`);
    const generation = await createBenchDatabase(benchServer);
    const generated = await generateEvents(driver, generation.url, {
      customers: options.customers,
      warmUpCustomers: options.warmUpCustomers,
      log,
    }).finally(() => generation.drop());
    const random = prng(options.seed);
    const warmUpStream = deliveryStream(generated.warmUp, options.duplicateShare, random);
    const stream = deliveryStream(generated.measured, options.duplicateShare, random);
    const types = new Map<string, number>();
    for (const event of generated.measured) types.set(event.type, (types.get(event.type) ?? 0) + 1);
    log(
      `  ${generated.measured.length} distinct events (+ ${generated.warmUp.length} warm-up) in ` +
        `${Math.round(generated.generationMs / 1000)} s → ${stream.length} deliveries`,
    );
    const expectedDuplicates = stream.length - generated.measured.length;
    const secret = `whsec_bench_${randomBytes(16).toString('hex')}`;
    const jwtSecret = randomBytes(32).toString('hex');
    const deliveryOptions = {
      secret,
      concurrency: options.concurrency,
      timeLimitMs: options.deliveryTimeLimitMs,
    };
    const resultsDir = join(root, 'bench', 'results');
    await mkdir(resultsDir, { recursive: true });
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
    const measures: Measure[] = [];
    const serviceOutputs: string[][] = [];
    let idleRss: number | null = null;
    let readyMs: number | null = null;

    /** This service on a fresh database: warm-up, the measured stream, verification. */
    /**
     * `plain`: the stream alone (compared with the peer). `reads`: the stream with DB-only reads
     * alongside, Stripe fast. `slow`: the same with Stripe slow and rate-limited — compared with
     * `reads`, so that the two runs differ in Stripe alone.
     */
    const runService = async (
      variant: 'plain' | 'reads' | 'slow',
      profile: boolean,
    ): Promise<void> => {
      const slowStripe = variant === 'slow';
      const database = await createBenchDatabase(benchServer);
      cleanups.unshift(() => database.drop());
      await insertAccounts(database.url, generated.customers);
      const profileName = `webhooks-${stamp}-${measures.length}.service.cpuprofile.json`;
      const service = await startServiceProcess({
        root,
        readyTimeoutMs: 60_000,
        nodeArgs: [
          ...(profile
            ? ['--cpu-prof', `--cpu-prof-dir=${resultsDir}`, `--cpu-prof-name=${profileName}`]
            : []),
          ...options.serviceNodeArgs,
        ],
        env: {
          DATABASE_URL: database.url,
          DATABASE_POOL_SIZE: String(options.poolSize),
          LOG_LEVEL: 'warn',
          THROTTLE_LIMIT: '100000000',
          THROTTLE_WEBHOOK_LIMIT: '100000000',
          JWT_SECRET: jwtSecret,
          STRIPE_API_BASE: emulator.url,
          // The operator's secret, as with `stripe listen`.
          STRIPE_WEBHOOK_SECRETS: secret,
          ...options.serviceEnv,
        },
      });
      cleanups.unshift(() => service.child.stop(5_000));
      idleRss ??= mb(residentBytes(service.child.pid));
      readyMs ??= Math.round(service.readyMs);
      if (options.prefill > 0) {
        log(`  prefilling ${options.prefill} rows…`);
        await prefill(database.url, options.prefill);
      }
      const webhookUrl = `${service.url}/api/webhooks/stripe`;
      await deliverWebhooks(webhookUrl, warmUpStream, deliveryOptions);
      if (slowStripe)
        await setRealism(emulator.url, {
          latency:
            options.stripeLatencyMs === null
              ? null
              : { p50Ms: options.stripeLatencyMs, p99Ms: options.stripeLatencyMs * 4 },
          rateLimit: options.rateLimit,
        });
      // DB-only reads meanwhile (the runs with reads): account pages loading their plan, at a
      // steady READS_PER_SECOND. A fixed rate measures what the target is about — whether a read
      // waits behind the stream — where a closed loop would also turn every gain in read speed
      // into more reads taking CPU from the stream it is compared against. They are sent from a
      // process of their own: from this one, busy sending the stream, their latency would
      // include this process's own delays.
      const token = jwt.sign({ sub: 'bench_user_0', email: 'bench_0@example.test' }, jwtSecret, {
        algorithm: 'HS256',
        expiresIn: '1h',
      });
      const reads =
        variant !== 'plain'
          ? measureGetApart(root, `${service.url}/api/subscriptions/current`, {
              connections: 4,
              durationSeconds: 8,
              ratePerSecond: READS_PER_SECOND,
              authorization: `Bearer ${token}`,
            })
          : undefined;
      const measured = await measure(service.child, webhookUrl, stream, deliveryOptions, () =>
        stripeRequests(emulator.url, SERVICE_KEY),
      );
      const readsDuringStream = reads === undefined ? undefined : await reads;
      const counters = await engineCounters(service.url).catch(() => undefined);
      if (slowStripe) await setRealism(emulator.url, { latency: null, rateLimit: null });
      const ledger = await checkLedger(
        database.url,
        [...generated.warmUp, ...generated.measured].map((event) => event.id),
      );
      const state = await checkState(driver, database.url, generated.customers);
      const verified =
        ledger.ok &&
        state.ok &&
        measured.run.errors === 0 &&
        measured.run.notSent === 0 &&
        measured.run.answeredDuplicate === expectedDuplicates;
      measures.push({
        target:
          variant === 'slow'
            ? 'service (slow Stripe)'
            : variant === 'reads'
              ? 'service (reads, fast Stripe)'
              : 'service',
        ...measured,
        verified,
        verification: { ledger, state },
        readsDuringStream,
        engineCounters: counters,
      });
      serviceOutputs.push(service.child.output().slice(-10));
      await service.child.stop(15_000);
      await database.drop();
      cleanups.splice(0, 2);
    };

    /** The peer on a fresh database of its own, fed the same stream. */
    let peerDir: string | undefined;
    const runPeer = async (): Promise<void> => {
      peerDir ??= await ensurePeerInstalled(root, log);
      const database = await createBenchDatabase(benchServer, {
        migrate: false,
        prefix: 'billing_bench_peer',
      });
      cleanups.unshift(() => database.drop());
      const peer = await startPeerProcess(root, {
        peerDir,
        databaseUrl: database.url,
        secret,
        apiKey: PEER_KEY,
        emulatorUrl: emulator.url,
        pool: options.poolSize,
      });
      cleanups.unshift(() => peer.child.stop(5_000));
      await deliverWebhooks(peer.webhookUrl, warmUpStream, deliveryOptions);
      const measured = await measure(peer.child, peer.webhookUrl, stream, deliveryOptions, () =>
        stripeRequests(emulator.url, PEER_KEY),
      );
      const state: PeerStateCheck = await checkPeerState(driver, database.url, generated.customers);
      measures.push({
        target: 'peer',
        ...measured,
        verified: measured.run.errors === 0 && state.staleInvoices + state.staleSubscriptions === 0,
        verification: state,
      });
      await peer.child.stop(15_000);
      await database.drop();
      cleanups.splice(0, 2);
    };

    for (let run = 1; run <= options.runs; run++) {
      log(`Run ${run}/${options.runs}: this service…`);
      await runService('plain', options.cpuProfile && run === 1);
      if (options.peer) {
        log(`Run ${run}/${options.runs}: stripe/sync-engine (default settings)…`);
        await runPeer();
      }
      if (options.stripeLatencyMs !== null || options.rateLimit !== null) {
        const supported = await setRealism(emulator.url, { latency: null, rateLimit: null }).then(
          () => true,
          () => false,
        );
        if (!supported) {
          log('  this emulator build has no realism switches (latency, rate limit): run skipped');
          continue;
        }
        log(
          `Run ${run}/${options.runs}: this service with ${READS_PER_SECOND} reads/s, Stripe fast…`,
        );
        await runService('reads', false);
        log(
          `Run ${run}/${options.runs}: the same with Stripe at ${options.stripeLatencyMs ?? 0} ms p50, ` +
            `limit ${options.rateLimit ?? 'none'}/s…`,
        );
        await runService('slow', options.cpuProfile && run === 1);
      }
    }

    log(`GET endpoints vs a bare NestJS endpoint (${options.getSeconds} s each)…`);
    const http = await measureGets(root, benchServer, emulator, generated.customers, {
      ...options,
      jwtSecret,
      secret,
    });

    await cleanup();
    await server.stop();
    server = undefined;

    let coldStart: ColdStart | { skipped: string } = { skipped: '--no-cold-start' };
    if (options.coldStart) {
      log('Cold start (sandbox mode, embedded PostgreSQL in a temporary folder)…');
      coldStart = await measureColdStart(root);
    }

    const of = (target: Measure['target']) => measures.filter((m) => m.target === target);
    const summary = (target: Measure['target']) => {
      const list = of(target);
      if (list.length === 0) return null;
      return {
        runs: list.length,
        deliveriesPerSecond: median(list.map((m) => m.run.eventsPerSecond)),
        p99Ms: median(list.map((m) => m.run.latencyMs.p99)),
        cpuMsPerDelivery: median(list.map((m) => m.serviceCpuMsPerDelivery)),
        stripeCallsPerDelivery: median(list.map((m) => m.stripeCallsPerDelivery)),
        peakRssMb: median(list.map((m) => m.peakRssMb)),
        errors: list.reduce((n, m) => n + m.run.errors, 0),
        verified: list.every((m) => m.verified),
        readsP99Ms: median(list.map((m) => m.readsDuringStream?.latencyMs.p99 ?? null)),
        readsNon2xx: list.reduce((n, m) => n + (m.readsDuringStream?.non2xx ?? 0), 0),
        readsClientDelayP99Ms: median(
          list.map((m) => m.readsDuringStream?.clientLoopDelayMs?.p99 ?? null),
        ),
      };
    };
    const ours = summary('service');
    const peer = summary('peer');
    const slow = summary('service (slow Stripe)');
    const withReads = summary('service (reads, fast Stripe)');
    const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
      a === null || a === undefined || b === null || b === undefined || b === 0
        ? null
        : round2(a / b);
    const results = {
      startedAt: startedAt.toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        memoryMb: mb(totalmem()),
        loadAverageAtEnd: loadavg().map((n) => round2(n)),
        node: process.version,
      },
      options,
      events: {
        customers: generated.customers.length,
        distinctMeasured: generated.measured.length,
        distinctWarmUp: generated.warmUp.length,
        deliveries: stream.length,
        duplicateDeliveries: expectedDuplicates,
        generationMs: Math.round(generated.generationMs),
        types: Object.fromEntries([...types.entries()].sort((a, b) => b[1] - a[1])),
      },
      summary: { service: ours, peer, readsFastStripe: withReads, slowStripe: slow },
      ratios: {
        deliveriesVsPeer: ratio(ours?.deliveriesPerSecond, peer?.deliveriesPerSecond),
        cpuVsPeer: ratio(ours?.cpuMsPerDelivery, peer?.cpuMsPerDelivery),
        // The same load (the stream and the reads), Stripe slow against Stripe fast.
        slowStripeVsFast: ratio(slow?.deliveriesPerSecond, withReads?.deliveriesPerSecond),
      },
      measures,
      http,
      memory: { idleAfterStartMb: idleRss },
      startup: { serverDatabaseReadyMs: readyMs, embedded: coldStart },
      serviceOutputTail: serviceOutputs.at(-1),
    };

    const widths = [34, 12, 12, 12, 14];
    const lines = [
      '',
      row(['', 'service', 'peer', 'ratio', 'target'], widths),
      row(['-'.repeat(34), '-'.repeat(12), '-'.repeat(12), '-'.repeat(12), '-'.repeat(14)], widths),
      row(
        [
          'deliveries/s (median)',
          ours?.deliveriesPerSecond ?? null,
          peer?.deliveriesPerSecond ?? null,
          results.ratios.deliveriesVsPeer,
          '≥ 1.5× peer',
        ],
        widths,
      ),
      row(['p99 ms', ours?.p99Ms ?? null, peer?.p99Ms ?? null, '', '< 100'], widths),
      row(
        [
          'service CPU ms per delivery',
          ours?.cpuMsPerDelivery ?? null,
          peer?.cpuMsPerDelivery ?? null,
          results.ratios.cpuVsPeer,
          '≤ peer',
        ],
        widths,
      ),
      row(
        [
          'Stripe calls per delivery',
          ours?.stripeCallsPerDelivery ?? null,
          peer?.stripeCallsPerDelivery ?? null,
          '',
          '≤ 0.1',
        ],
        widths,
      ),
      row(['peak RSS MB', ours?.peakRssMb ?? null, peer?.peakRssMb ?? null, '', '< 200'], widths),
      row(['errors', ours?.errors ?? null, peer?.errors ?? null, '', '0'], widths),
      row(
        [
          'state equals Stripe (exactly once)',
          ours === null ? null : ours.verified ? 'yes' : 'NO',
          peer === null
            ? null
            : `${(of('peer')[0]?.verification as PeerStateCheck | undefined)?.staleInvoices ?? '?'} stale inv.`,
          '',
          'yes',
        ],
        widths,
      ),
      ...(slow === null
        ? []
        : [
            row(
              [
                'with reads, Stripe fast: deliv./s',
                withReads?.deliveriesPerSecond ?? null,
                '',
                '',
                '',
              ],
              widths,
            ),
            row(
              [
                `slow Stripe: deliveries/s (vs fast)`,
                slow.deliveriesPerSecond,
                '',
                results.ratios.slowStripeVsFast,
                '≥ 0.8× fast',
              ],
              widths,
            ),
            row(
              ['slow Stripe: Stripe calls/delivery', slow.stripeCallsPerDelivery, '', '', ''],
              widths,
            ),
            row(['slow Stripe: reads p99 ms', slow.readsP99Ms, '', '', '< 50'], widths),
            row(
              ["  the reads probe's own loop delay p99", slow.readsClientDelayP99Ms, '', '', ''],
              widths,
            ),
            row(['slow Stripe: 429s seen by users', slow.readsNon2xx, '', '', '0'], widths),
            row(
              ['slow Stripe: state equals Stripe', slow.verified ? 'yes' : 'NO', '', '', 'yes'],
              widths,
            ),
          ]),
      row(
        [
          'GET catalog / entitlements % bare',
          `${http.catalog.ofCeilingPercent} / ${'ofCeilingPercent' in http.entitlements ? http.entitlements.ofCeilingPercent : '—'}`,
          '',
          '',
          '≥ 70 %',
        ],
        widths,
      ),
      row(['idle RSS MB / ready ms', `${idleRss} / ${readyMs}`, '', '', ''], widths),
      '',
    ];
    log(lines.join('\n'));
    for (const m of measures)
      if (!m.verified)
        log(`Not verified (${m.target}): ${JSON.stringify(m.verification).slice(0, 2000)}`);
    for (const m of measures)
      if (m.run.errorSamples.length > 0)
        log(`Error samples (${m.target}):\n${m.run.errorSamples.join('\n')}`);

    const file = join(resultsDir, `webhooks-${stamp}.json`);
    await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
    log(`Results written to ${file}`);
    process.exitCode =
      ours?.verified === true &&
      (slow === null || slow.verified) &&
      (withReads === null || withReads.verified)
        ? 0
        : 1;
  } finally {
    await cleanup();
    await server?.stop().catch(() => undefined);
    clearTimeout(hardLimit);
  }
}

/** A bare NestJS app (the ceiling), then the hot reads of a service started for them. */
async function measureGets(
  root: string,
  server: BenchServer,
  emulator: EmulatorProcess,
  customers: BenchCustomer[],
  options: Options & { jwtSecret: string; secret: string },
): Promise<{
  bare: HttpRun;
  catalog: HttpRun & { ofCeilingPercent: number };
  entitlements: (HttpRun & { ofCeilingPercent: number }) | { skipped: string };
}> {
  const port = await freePort();
  const bareApp = spawnNode(join(root, 'dist', 'bench', 'bare-app.js'), {
    cwd: root,
    env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: String(port) },
  });
  let bare: HttpRun;
  try {
    const url = `http://127.0.0.1:${port}/constant`;
    await waitForOk(bareApp, url, 30_000);
    bare = await measureGet(url, {
      connections: options.concurrency,
      durationSeconds: options.getSeconds,
    });
  } finally {
    await bareApp.stop(5_000);
  }
  const database: BenchDatabase = await createBenchDatabase(server);
  try {
    await insertAccounts(database.url, customers.slice(0, 1));
    const service = await startServiceProcess({
      root,
      readyTimeoutMs: 60_000,
      env: {
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: String(options.poolSize),
        LOG_LEVEL: 'warn',
        THROTTLE_LIMIT: '100000000',
        THROTTLE_WEBHOOK_LIMIT: '100000000',
        JWT_SECRET: options.jwtSecret,
        STRIPE_API_BASE: emulator.url,
        STRIPE_WEBHOOK_SECRETS: options.secret,
      },
    });
    try {
      const catalog = await measureGet(`${service.url}/api/catalog/products`, {
        connections: options.concurrency,
        durationSeconds: options.getSeconds,
      });
      const token = jwt.sign(
        { sub: 'bench_user_0', email: 'bench_0@example.test' },
        options.jwtSecret,
        {
          algorithm: 'HS256',
          expiresIn: '1h',
        },
      );
      const headers = { authorization: `Bearer ${token}` };
      const url = `${service.url}/api/entitlements/chat`;
      const probe = await fetch(url, { headers });
      await probe.arrayBuffer();
      const entitlements =
        probe.status === 200
          ? await measureGet(url, {
              connections: options.concurrency,
              durationSeconds: options.getSeconds,
              headers,
            })
          : { skipped: `GET /api/entitlements/chat answered ${probe.status}` };
      return {
        bare,
        catalog: {
          ...catalog,
          ofCeilingPercent: pct(catalog.requestsPerSecond, bare.requestsPerSecond),
        },
        entitlements:
          'skipped' in entitlements
            ? entitlements
            : {
                ...entitlements,
                ofCeilingPercent: pct(entitlements.requestsPerSecond, bare.requestsPerSecond),
              },
      };
    } finally {
      await service.child.stop(15_000);
    }
  } finally {
    await database.drop();
  }
}

main().then(
  () => process.exit(),
  (error: unknown) => {
    console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
