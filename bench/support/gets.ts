import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { measureGet, type HttpRun } from './load';
import { createBenchDatabase, withClient, type BenchServer } from './postgres';
import { freePort, spawnNode, waitForOk, type NodeChild } from './processes';
import { startServiceProcess, type ServiceProcess } from './service';

/** The hot reads measured against the bare endpoint, each as a share of it. */
export interface GetsResult {
  rounds: number;
  /** Medians over the rounds. */
  bare: HttpRun;
  catalog: HttpRun & { ofCeilingPercent: number };
  entitlements: (HttpRun & { ofCeilingPercent: number }) | { skipped: string };
  /**
   * The bare app sending the catalog's recorded response (its headers and body): what the
   * response alone costs, as a share of the bare endpoint.
   */
  catalogResponse: HttpRun & { ofCeilingPercent: number };
  /** Every round's requests/s, in the order measured (the order rotates between rounds). */
  perRound: {
    bare: number;
    catalog: number;
    entitlements: number | null;
    catalogResponse: number;
  }[];
}

/** Headers a server sets per response; the replay leaves them to Express. */
const PER_RESPONSE_HEADERS = new Set([
  'date',
  'etag',
  'content-length',
  'connection',
  'keep-alive',
  'x-request-id',
  'transfer-encoding',
]);

const pct = (part: number, whole: number): number =>
  whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10;

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The run whose requests/s is the median of the rounds (its latencies go with it). */
function medianRun(runs: HttpRun[]): HttpRun {
  const target = medianOf(runs.map((run) => run.requestsPerSecond));
  return runs.reduce((best, run) =>
    Math.abs(run.requestsPerSecond - target) < Math.abs(best.requestsPerSecond - target)
      ? run
      : best,
  );
}

/**
 * A bare NestJS app on the same platform (`bench/bare-app.ts`, the ceiling) and the service,
 * both started once; then `rounds` rounds each measuring the bare endpoint, `GET
 * /api/catalog/products`, `GET /api/entitlements/chat` and the bare app sending the catalog's
 * recorded response one after the other, the order rotating between rounds, so that a
 * neighbour's burst on this shared machine lands on all alike. Reported: the median run of
 * each, and each endpoint's median requests/s as a share of the bare endpoint's.
 */
export async function measureGets(options: {
  root: string;
  server: BenchServer;
  emulatorUrl: string;
  /** An account row the bearer token's subject resolves to. */
  account: { id: string; externalId: string; email: string };
  jwtSecret: string;
  webhookSecret: string;
  poolSize: number;
  connections: number;
  seconds: number;
  rounds: number;
  /** Extra Node options for the service (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
}): Promise<GetsResult> {
  const port = await freePort();
  const database = await createBenchDatabase(options.server);
  const recordings = await mkdtemp(join(tmpdir(), 'bench-gets-'));
  let bareApp: NodeChild | undefined;
  let service: ServiceProcess | undefined;
  try {
    await withClient(database.url, (client) =>
      client.query(
        `INSERT INTO "Account" ("id", "kind", "externalId", "email", "updatedAt")
         VALUES ($1::uuid, 'USER', $2, $3, now())`,
        [options.account.id, options.account.externalId, options.account.email],
      ),
    );
    service = await startServiceProcess({
      root: options.root,
      readyTimeoutMs: 60_000,
      nodeArgs: options.nodeArgs,
      env: {
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: String(options.poolSize),
        LOG_LEVEL: 'warn',
        THROTTLE_LIMIT: '100000000',
        THROTTLE_WEBHOOK_LIMIT: '100000000',
        JWT_SECRET: options.jwtSecret,
        STRIPE_API_BASE: options.emulatorUrl,
        STRIPE_WEBHOOK_SECRETS: options.webhookSecret,
      },
    });
    // The catalog's response as a browser gets it, for the bare app to send as its own.
    const catalogUrl = `${service.url}/api/catalog/products`;
    const sample = await fetch(catalogUrl);
    const recording = join(recordings, 'catalog.json');
    await writeFile(
      recording,
      JSON.stringify({
        headers: [...sample.headers.entries()].filter(
          ([name]) => !PER_RESPONSE_HEADERS.has(name.toLowerCase()),
        ),
        body: (await sample.json()) as unknown,
      }),
    );
    bareApp = spawnNode(join(options.root, 'dist', 'bench', 'bare-app.js'), {
      cwd: options.root,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        PORT: String(port),
        BARE_RESPONSE_FILE: recording,
      },
    });
    const bareUrl = `http://127.0.0.1:${port}/constant`;
    await waitForOk(bareApp, bareUrl, 30_000);
    const token = jwt.sign(
      { sub: options.account.externalId, email: options.account.email },
      options.jwtSecret,
      { algorithm: 'HS256', expiresIn: '1h' },
    );
    const entitlementsUrl = `${service.url}/api/entitlements/chat`;
    const headers = { authorization: `Bearer ${token}` };
    const probe = await fetch(entitlementsUrl, { headers });
    await probe.arrayBuffer();
    const skipped =
      probe.status === 200 ? undefined : `GET /api/entitlements/chat answered ${probe.status}`;
    const targets = {
      bare: { url: bareUrl, headers: undefined },
      catalog: { url: catalogUrl, headers: undefined },
      entitlements: { url: entitlementsUrl, headers },
      catalogResponse: { url: `http://127.0.0.1:${port}/replay`, headers: undefined },
    };
    const names = (['bare', 'catalog', 'entitlements', 'catalogResponse'] as const).filter(
      (name) => name !== 'entitlements' || skipped === undefined,
    );
    const runs: Record<(typeof names)[number], HttpRun[]> = {
      bare: [],
      catalog: [],
      entitlements: [],
      catalogResponse: [],
    };
    const perRound: GetsResult['perRound'] = [];
    for (let round = 0; round < options.rounds; round++) {
      const order = names.map((_, i) => names[(i + round) % names.length]);
      const measured: Partial<Record<(typeof names)[number], number>> = {};
      for (const name of order) {
        const run = await measureGet(targets[name].url, {
          connections: options.connections,
          durationSeconds: options.seconds,
          headers: targets[name].headers,
        });
        runs[name].push(run);
        measured[name] = run.requestsPerSecond;
      }
      perRound.push({
        bare: measured.bare ?? 0,
        catalog: measured.catalog ?? 0,
        entitlements: measured.entitlements ?? null,
        catalogResponse: measured.catalogResponse ?? 0,
      });
    }
    const bare = medianRun(runs.bare);
    const catalog = medianRun(runs.catalog);
    const bareRate = medianOf(runs.bare.map((run) => run.requestsPerSecond));
    const share = (list: HttpRun[]): number =>
      pct(medianOf(list.map((run) => run.requestsPerSecond)), bareRate);
    return {
      rounds: options.rounds,
      bare,
      catalog: { ...catalog, ofCeilingPercent: share(runs.catalog) },
      entitlements:
        skipped !== undefined
          ? { skipped }
          : {
              ...medianRun(runs.entitlements),
              ofCeilingPercent: share(runs.entitlements),
            },
      catalogResponse: {
        ...medianRun(runs.catalogResponse),
        ofCeilingPercent: share(runs.catalogResponse),
      },
      perRound,
    };
  } finally {
    await service?.child.stop(15_000);
    await bareApp?.stop(5_000);
    await database.drop();
    await rm(recordings, { recursive: true, force: true });
  }
}
