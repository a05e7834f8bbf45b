/**
 * `npm run bench:webhooks` — webhook ingestion under load, against the service as it runs in
 * production sandbox mode (a child process, `node dist/src/main.js`) on PostgreSQL, with the
 * emulator in the service's process playing Stripe. See bench/README.md for what each number means.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { packageRoot } from '../src/common/package-root';
import { deliveryStream, EmulatorDriver, generateEvents, prng } from './support/events';
import { deliverWebhooks, measureGet, type DeliveryRun, type HttpRun } from './support/load';
import {
  createBenchDatabase,
  openBenchServer,
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
} from './support/processes';
import {
  measureColdStart,
  startServiceProcess,
  type ColdStart,
  type ServiceProcess,
} from './support/service';
import { checkLedger, checkState } from './support/verify';

/** The whole run stops by itself after this, whatever happens. */
const HARD_LIMIT_MS = 20 * 60_000;

interface Options {
  customers: number;
  warmUpCustomers: number;
  duplicateShare: number;
  concurrency: number;
  poolSize: number;
  getSeconds: number;
  deliveryTimeLimitMs: number;
  seed: number;
  coldStart: boolean;
  cpuProfile: boolean;
  /** Extra Node.js options for the service process (`--node-arg <option>`, repeatable). */
  serviceNodeArgs: string[];
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
  return {
    customers: number('customers', 245, 10, 5_000),
    warmUpCustomers: number('warm-up-customers', 15, 1, 500),
    duplicateShare: number('duplicates', 0.3, 0, 0.9),
    concurrency: number('concurrency', 32, 1, 256),
    poolSize: number('pool', 40, 1, 200),
    getSeconds: number('get-seconds', 5, 1, 60),
    deliveryTimeLimitMs: number('time-limit', 120, 5, 600) * 1000,
    seed: number('seed', Math.floor(Math.random() * 2 ** 31), 0, 2 ** 31),
    coldStart: !argv.includes('--no-cold-start'),
    cpuProfile: argv.includes('--cpu-prof'),
    serviceNodeArgs: argv.flatMap((arg, i) =>
      arg === '--node-arg' && i + 1 < argv.length ? [argv[i + 1]] : [],
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

interface WebhookMeasure {
  run: DeliveryRun;
  /** When the measured run started and ended, in ms after the service was spawned (for --cpu-prof). */
  windowFromSpawnMs: [number, number];
  /** Service process CPU use during the run, in cores (1.0 = one core busy). */
  serviceCpuCores: number | null;
  /** Service process CPU time per delivery, in ms: less sensitive to other load than events/s. */
  serviceCpuMsPerDelivery: number | null;
  /** Whole-machine CPU use during the run, 0–100 % of all cores. */
  machineCpuPercent: number | null;
  rss: { peakMb: number | null; meanMb: number | null };
}

async function measureDeliveries(
  service: ServiceProcess,
  stream: Parameters<typeof deliverWebhooks>[1],
  options: { secret: string; concurrency: number; timeLimitMs: number },
): Promise<WebhookMeasure> {
  const cpuBefore = cpuSeconds(service.child.pid);
  const machineBefore = machineJiffies();
  const memory = sampleResidentMemory(service.child.pid);
  const started = performance.now();
  const windowStart = started - service.child.startedAt;
  const run = await deliverWebhooks(`${service.url}/api/webhooks/stripe`, stream, options);
  const seconds = (performance.now() - started) / 1000;
  const rss = memory.stop();
  const cpuAfter = cpuSeconds(service.child.pid);
  const machineAfter = machineJiffies();
  return {
    run,
    windowFromSpawnMs: [
      Math.round(windowStart),
      Math.round(performance.now() - service.child.startedAt),
    ],
    serviceCpuCores:
      cpuBefore === null || cpuAfter === null
        ? null
        : Math.round(((cpuAfter - cpuBefore) / seconds) * 100) / 100,
    serviceCpuMsPerDelivery:
      cpuBefore === null || cpuAfter === null || run.completed === 0
        ? null
        : Math.round(((cpuAfter - cpuBefore) * 1000 * 100) / run.completed) / 100,
    machineCpuPercent:
      machineBefore === null || machineAfter === null
        ? null
        : pct(machineAfter.busy - machineBefore.busy, machineAfter.total - machineBefore.total),
    rss: { peakMb: mb(rss.peakBytes), meanMb: mb(rss.meanBytes) },
  };
}

async function measureBare(root: string, seconds: number, concurrency: number): Promise<HttpRun> {
  const port = await freePort();
  const bare = spawnNode(join(root, 'dist', 'bench', 'bare-app.js'), {
    cwd: root,
    env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: String(port) },
  });
  try {
    const url = `http://127.0.0.1:${port}/constant`;
    await waitForOk(bare, url, 30_000);
    return await measureGet(url, { connections: concurrency, durationSeconds: seconds });
  } finally {
    await bare.stop(5_000);
  }
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
  const options = parseOptions(process.argv.slice(2));
  const root = packageRoot(__dirname);
  const startedAt = new Date();
  const cleanups: (() => Promise<void>)[] = [];
  const hardLimit = setTimeout(() => {
    console.error(`bench: hard limit of ${HARD_LIMIT_MS / 60_000} min reached; stopping`);
    void Promise.allSettled(cleanups.map((cleanup) => cleanup())).then(() => process.exit(2));
  }, HARD_LIMIT_MS);
  hardLimit.unref();

  let server: BenchServer | undefined;
  let database: BenchDatabase | undefined;
  let service: ServiceProcess | undefined;
  try {
    server = await openBenchServer(log);
    const databaseSource = server.source;
    database = await createBenchDatabase(server);
    const benchDatabase = database;
    cleanups.unshift(() => benchDatabase.drop());
    log(`PostgreSQL: ${server.source}; database ${database.name} (migrated)`);

    const secret = `whsec_bench_${randomBytes(16).toString('hex')}`;
    const jwtSecret = randomBytes(32).toString('hex');
    const resultsDir = join(root, 'bench', 'results');
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
    // `.json` so that bench/results/*.json (git-ignored) covers it; DevTools loads it as it is.
    const profileName = `webhooks-${stamp}.service.cpuprofile.json`;
    if (options.cpuProfile) await mkdir(resultsDir, { recursive: true });
    service = await startServiceProcess({
      root,
      readyTimeoutMs: 60_000,
      nodeArgs: [
        ...(options.cpuProfile
          ? ['--cpu-prof', `--cpu-prof-dir=${resultsDir}`, `--cpu-prof-name=${profileName}`]
          : []),
        ...options.serviceNodeArgs,
      ],
      env: {
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: String(options.poolSize),
        LOG_LEVEL: 'warn',
        THROTTLE_LIMIT: '100000000',
        JWT_SECRET: jwtSecret,
        // The operator's secret, as with `stripe listen`; the sandbox adds its own endpoint's too.
        STRIPE_WEBHOOK_SECRETS: secret,
      },
    });
    const running = service;
    cleanups.unshift(() => running.child.stop(5_000));
    const idleRss = mb(residentBytes(service.child.pid));
    log(
      `Service pid ${service.child.pid} ready in ${Math.round(service.readyMs)} ms at ${service.url}`,
    );

    const emulator = new EmulatorDriver(service.emulatorUrl);
    log(`Generating events (${options.customers} + ${options.warmUpCustomers} warm-up customers)…`);
    const generated = await generateEvents(emulator, database.url, {
      customers: options.customers,
      warmUpCustomers: options.warmUpCustomers,
      log,
    });
    const random = prng(options.seed);
    const warmUpStream = deliveryStream(generated.warmUp, options.duplicateShare, random);
    const stream = deliveryStream(generated.measured, options.duplicateShare, random);
    const types = new Map<string, number>();
    for (const event of generated.measured) types.set(event.type, (types.get(event.type) ?? 0) + 1);
    log(
      `  ${generated.measured.length} distinct events (+ ${generated.warmUp.length} warm-up) in ` +
        `${Math.round(generated.generationMs / 1000)} s → ${stream.length} deliveries`,
    );

    const deliveryOptions = {
      secret,
      concurrency: options.concurrency,
      timeLimitMs: options.deliveryTimeLimitMs,
    };
    log(`Warm-up: ${warmUpStream.length} deliveries…`);
    const warmUp = await deliverWebhooks(
      `${service.url}/api/webhooks/stripe`,
      warmUpStream,
      deliveryOptions,
    );
    log(`Measured: ${stream.length} deliveries, ${options.concurrency} at a time…`);
    const webhooks = await measureDeliveries(service, stream, deliveryOptions);

    log('Verifying exactly-once and final state…');
    const allEvents = [...generated.warmUp, ...generated.measured];
    const ledger = await checkLedger(
      database.url,
      allEvents.map((event) => event.id),
    );
    const state = await checkState(emulator, database.url, generated.customers);
    const expectedDuplicates = stream.length - generated.measured.length;
    const exactlyOnce =
      ledger.ok &&
      state.ok &&
      webhooks.run.errors === 0 &&
      warmUp.errors === 0 &&
      webhooks.run.notSent === 0 &&
      webhooks.run.answeredDuplicate === expectedDuplicates;

    log(`GET endpoints vs a bare NestJS endpoint (${options.getSeconds} s each)…`);
    const memoryDuringGets = sampleResidentMemory(service.child.pid);
    const bare = await measureBare(root, options.getSeconds, options.concurrency);
    const catalog = await measureGet(`${service.url}/api/catalog/products`, {
      connections: options.concurrency,
      durationSeconds: options.getSeconds,
    });
    let entitlements: HttpRun | { skipped: string } = {
      skipped: 'no entitlements module (src/entitlements) in this build',
    };
    if (existsSync(join(root, 'dist', 'src', 'entitlements'))) {
      const token = jwt.sign({ sub: 'bench_user_0', email: 'bench_0@example.test' }, jwtSecret, {
        algorithm: 'HS256',
        expiresIn: '1h',
      });
      const headers = { authorization: `Bearer ${token}` };
      const url = `${service.url}/api/entitlements/chat`;
      const probe = await fetch(url, { headers });
      await probe.arrayBuffer();
      entitlements =
        probe.status === 200
          ? await measureGet(url, {
              connections: options.concurrency,
              durationSeconds: options.getSeconds,
              headers,
            })
          : { skipped: `GET /api/entitlements/chat answered ${probe.status}` };
    }
    const getRss = memoryDuringGets.stop();

    const serviceOutput = service.child.output();
    await service.child.stop(15_000);
    const serviceExit = await service.child.exited;
    service = undefined;
    await database.drop();
    cleanups.shift();
    database = undefined;
    await server.stop();
    server = undefined;

    let coldStart: ColdStart | { skipped: string } = { skipped: '--no-cold-start' };
    if (options.coldStart) {
      log('Cold start (sandbox mode, embedded PostgreSQL in a temporary folder)…');
      coldStart = await measureColdStart(root);
    }

    const results = {
      startedAt: startedAt.toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        memoryMb: mb(totalmem()),
        loadAverageAtEnd: loadavg().map((n) => Math.round(n * 100) / 100),
        node: process.version,
      },
      options,
      database: { source: databaseSource, poolSize: options.poolSize },
      events: {
        customers: generated.customers.length,
        distinctMeasured: generated.measured.length,
        distinctWarmUp: generated.warmUp.length,
        deliveries: stream.length,
        duplicateDeliveries: expectedDuplicates,
        generationMs: Math.round(generated.generationMs),
        types: Object.fromEntries([...types.entries()].sort((a, b) => b[1] - a[1])),
      },
      webhooks: {
        ...webhooks.run,
        windowFromSpawnMs: webhooks.windowFromSpawnMs,
        serviceCpuCores: webhooks.serviceCpuCores,
        serviceCpuMsPerDelivery: webhooks.serviceCpuMsPerDelivery,
        machineCpuPercent: webhooks.machineCpuPercent,
        warmUp: {
          deliveries: warmUp.deliveries,
          eventsPerSecond: warmUp.eventsPerSecond,
          errors: warmUp.errors,
        },
      },
      verification: {
        exactlyOnce,
        expectedDuplicateAnswers: expectedDuplicates,
        answeredDuplicate: webhooks.run.answeredDuplicate,
        ledger,
        state,
      },
      http: {
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
      },
      memory: {
        sampledProcess:
          'the service child process (app + in-process emulator), /proc/<pid>/status VmRSS',
        idleAfterStartMb: idleRss,
        peakDuringWebhooksMb: webhooks.rss.peakMb,
        meanDuringWebhooksMb: webhooks.rss.meanMb,
        peakDuringGetsMb: mb(getRss.peakBytes),
      },
      startup: {
        serverDatabaseReadyMs: Math.round(running.readyMs),
        embedded: coldStart,
        serviceExitCode: serviceExit,
        serviceOutputTail: serviceOutput.slice(-10),
      },
    };

    const targets = {
      eventsPerSecond: webhooks.run.eventsPerSecond >= 1000,
      p99: webhooks.run.latencyMs.p99 < 100,
      errors: webhooks.run.errors === 0,
      exactlyOnce,
      catalog: results.http.catalog.ofCeilingPercent >= 70,
      memory: (webhooks.rss.peakMb ?? 0) < 300,
      coldStart: running.readyMs < 3000,
    };
    const mark = (ok: boolean): string => (ok ? 'ok' : 'MISS');
    const widths = [44, 14, 16, 6];
    const lines = [
      '',
      row(['measure', 'value', 'target', ''], widths),
      row(['-'.repeat(44), '-'.repeat(14), '-'.repeat(16), '----'], widths),
      row(
        [
          'webhooks: events/s (32 concurrent)',
          webhooks.run.eventsPerSecond,
          '≥ 1000',
          mark(targets.eventsPerSecond),
        ],
        widths,
      ),
      row(
        [
          'webhooks: p50 / p90 ms',
          `${webhooks.run.latencyMs.p50} / ${webhooks.run.latencyMs.p90}`,
          '',
          '',
        ],
        widths,
      ),
      row(
        [
          'webhooks: p99 ms (max)',
          `${webhooks.run.latencyMs.p99} (${webhooks.run.latencyMs.max})`,
          '< 100',
          mark(targets.p99),
        ],
        widths,
      ),
      row(['webhooks: errors (non-200)', webhooks.run.errors, '0', mark(targets.errors)], widths),
      row(
        [
          'webhooks: answered duplicate:true',
          `${webhooks.run.answeredDuplicate}/${expectedDuplicates}`,
          'all repeats',
          '',
        ],
        widths,
      ),
      row(
        [
          'exactly-once (ledger + state of all customers)',
          exactlyOnce ? 'yes' : 'NO',
          'yes',
          mark(exactlyOnce),
        ],
        widths,
      ),
      row(
        [
          'service CPU: cores / ms per delivery / machine %',
          `${webhooks.serviceCpuCores} / ${webhooks.serviceCpuMsPerDelivery} / ${webhooks.machineCpuPercent}%`,
          '',
          '',
        ],
        widths,
      ),
      row(
        [
          'bare NestJS constant: req/s (p99 ms)',
          `${bare.requestsPerSecond} (${bare.latencyMs.p99})`,
          'ceiling',
          '',
        ],
        widths,
      ),
      row(
        [
          'GET /api/catalog/products: req/s (% bare)',
          `${catalog.requestsPerSecond} (${results.http.catalog.ofCeilingPercent}%)`,
          '≥ 70 %',
          mark(targets.catalog),
        ],
        widths,
      ),
      row(
        [
          'GET /api/entitlements/:feature: req/s (% bare)',
          'skipped' in results.http.entitlements
            ? 'n/a'
            : `${results.http.entitlements.requestsPerSecond} (${results.http.entitlements.ofCeilingPercent}%)`,
          '≥ 70 %',
          '',
        ],
        widths,
      ),
      row(
        [
          'service RSS: idle / peak under load MB',
          `${idleRss} / ${webhooks.rss.peakMb}`,
          '< 300',
          mark(targets.memory),
        ],
        widths,
      ),
      row(
        [
          'start to ready, server PostgreSQL ms',
          Math.round(running.readyMs),
          '< 3000',
          mark(targets.coldStart),
        ],
        widths,
      ),
      row(
        [
          'start to ready, embedded DB first / again ms',
          'skipped' in coldStart ? 'skipped' : `${coldStart.firstBootMs} / ${coldStart.restartMs}`,
          '< 10000',
          '',
        ],
        widths,
      ),
      '',
    ];
    log(lines.join('\n'));
    if (!ledger.ok || !state.ok)
      log(`Verification detail: ${JSON.stringify({ ledger, state }, null, 2)}`);
    if (webhooks.run.errorSamples.length > 0)
      log(`Error samples:\n${webhooks.run.errorSamples.join('\n')}`);

    await mkdir(resultsDir, { recursive: true });
    const file = join(resultsDir, `webhooks-${stamp}.json`);
    await writeFile(file, `${JSON.stringify({ ...results, targets }, null, 2)}\n`);
    log(`Results written to ${file}`);
    process.exitCode = exactlyOnce ? 0 : 1;
  } catch (error) {
    if (service !== undefined) {
      const exit = service.child.process.exitCode ?? service.child.process.signalCode;
      log(`Service process (exit: ${exit ?? 'still running'}), last output:`);
      log(service.child.output().slice(-20).join('\n'));
    }
    throw error;
  } finally {
    await service?.child.stop(5_000).catch(() => undefined);
    await database
      ?.drop()
      .catch((error: unknown) => log(`could not drop the database: ${String(error)}`));
    await server?.stop().catch(() => undefined);
    clearTimeout(hardLimit);
  }
}

main().then(
  () => process.exit(),
  (error: unknown) => {
    console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
