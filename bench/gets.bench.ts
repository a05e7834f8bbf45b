/**
 * `npm run bench:gets` — the hot reads (`GET /api/catalog/products`, `GET
 * /api/entitlements/:feature`) as a share of a bare NestJS endpoint on the same platform
 * adapter, measured in interleaved rounds. The webhook benchmark runs the same measurement at
 * its end; this entry point runs it alone. See bench/README.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/common/package-root';
import { EmulatorDriver } from './support/events';
import { measureGets } from './support/gets';
import { openBenchServer } from './support/postgres';
import { startEmulatorProcess } from './support/targets';

function option(argv: string[], name: string, fallback: number, min: number, max: number): number {
  const index = argv.indexOf(`--${name}`);
  const parsed = index >= 0 ? Number(argv[index + 1]) : fallback;
  if (!Number.isFinite(parsed) || parsed < min || parsed > max)
    throw new Error(`--${name} must be a number from ${min} to ${max}`);
  return parsed;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const rounds = option(argv, 'rounds', 3, 1, 15);
  const seconds = option(argv, 'get-seconds', 5, 1, 60);
  const connections = option(argv, 'concurrency', 32, 1, 256);
  const root = packageRoot(__dirname);
  const log = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const server = await openBenchServer(log);
  const emulator = await startEmulatorProcess(root);
  try {
    await new EmulatorDriver(emulator.url).control(
      '/catalog/seed',
      JSON.parse(readFileSync(join(root, 'emulator', 'catalog', 'sandbox-catalog.json'), 'utf8')),
    );
    log(`GET endpoints vs a bare NestJS endpoint: ${rounds} interleaved rounds of ${seconds} s…`);
    const result = await measureGets({
      root,
      server,
      emulatorUrl: emulator.url,
      account: { id: randomUUID(), externalId: 'bench_user_0', email: 'bench_0@example.test' },
      jwtSecret: randomBytes(32).toString('hex'),
      webhookSecret: `whsec_bench_${randomBytes(16).toString('hex')}`,
      poolSize: 40,
      connections,
      seconds,
      rounds,
      nodeArgs: argv.includes('--cpu-prof')
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${join(root, 'bench', 'results')}`,
            '--cpu-prof-name=gets.cpuprofile',
          ]
        : undefined,
    });
    for (const [i, round] of result.perRound.entries())
      log(
        `  round ${i + 1}: bare ${round.bare}/s, catalog ${round.catalog}/s, entitlements ${round.entitlements ?? '—'}/s, ` +
          `catalog's response from the bare app ${round.catalogResponse}/s`,
      );
    const entitlements =
      'skipped' in result.entitlements
        ? result.entitlements.skipped
        : `${result.entitlements.requestsPerSecond}/s = ${result.entitlements.ofCeilingPercent} %`;
    log(
      `median: bare ${result.bare.requestsPerSecond}/s; catalog ${result.catalog.requestsPerSecond}/s = ` +
        `${result.catalog.ofCeilingPercent} %; entitlements ${entitlements} (target ≥ 70 %)`,
    );
    log(
      `the catalog's own response sent by the bare app: ${result.catalogResponse.requestsPerSecond}/s = ` +
        `${result.catalogResponse.ofCeilingPercent} % (what the response costs before any pipeline)`,
    );
  } finally {
    await emulator.child.stop(5_000);
    await server.stop();
  }
}

main().then(
  () => process.exit(),
  (error: unknown) => {
    console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
