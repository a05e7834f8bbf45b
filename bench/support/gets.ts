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
  /** Every round's requests/s, in the order measured (the order rotates between rounds). */
  perRound: { bare: number; catalog: number; entitlements: number | null }[];
}

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
 * /api/catalog/products` and `GET /api/entitlements/chat` one after the other, the order
 * rotating between rounds, so that a neighbour's burst on this shared machine lands on all
 * three alike. Reported: the median run of each, and each endpoint's median requests/s as a
 * share of the bare endpoint's.
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
}): Promise<GetsResult> {
  const port = await freePort();
  const bareApp: NodeChild = spawnNode(join(options.root, 'dist', 'bench', 'bare-app.js'), {
    cwd: options.root,
    env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: String(port) },
  });
  const database = await createBenchDatabase(options.server);
  let service: ServiceProcess | undefined;
  try {
    const bareUrl = `http://127.0.0.1:${port}/constant`;
    await waitForOk(bareApp, bareUrl, 30_000);
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
      catalog: { url: `${service.url}/api/catalog/products`, headers: undefined },
      entitlements: { url: entitlementsUrl, headers },
    };
    const names = (['bare', 'catalog', 'entitlements'] as const).filter(
      (name) => name !== 'entitlements' || skipped === undefined,
    );
    const runs: Record<(typeof names)[number], HttpRun[]> = {
      bare: [],
      catalog: [],
      entitlements: [],
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
      perRound,
    };
  } finally {
    await service?.child.stop(15_000);
    await bareApp.stop(5_000);
    await database.drop();
  }
}
