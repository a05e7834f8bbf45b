import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { Client } from 'pg';
import type { OpenDatabase } from '../../src/database/database-location';
import { startServiceProcess, type ServiceProcess } from '../support/built-service';
import { createTestDatabase } from '../support/test-database';

interface Outcome {
  status?: number;
  error?: string;
}

/** One request on a connection of its own (no keep-alive), so a refusal is unambiguous. */
function get(url: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode }));
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? 'error' }));
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code ?? error.message }),
    );
    req.end();
  });
}

/** Blocks reads of the Price table from outside, until released. */
async function lockPrices(databaseUrl: string): Promise<{ release(): Promise<void> }> {
  const blocker = new Client({ connectionString: databaseUrl });
  await blocker.connect();
  await blocker.query('BEGIN');
  await blocker.query('LOCK TABLE "Price" IN ACCESS EXCLUSIVE MODE');
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      await blocker.query('ROLLBACK');
      await blocker.end();
    },
  };
}

/** Waits until `count` of the service's queries wait on a lock in PostgreSQL. */
async function lockWaiters(databaseUrl: string, count: number): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (let tries = 0; ; tries += 1) {
      expect(tries).toBeLessThan(1000);
      const { rows } = await client.query<{ waiting: string }>(
        `SELECT count(*) AS waiting FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (Number(rows[0].waiting) >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    await client.end();
  }
}

const messages = (service: ServiceProcess): string[] =>
  service.logLines().map((line) => String(line.msg));

/**
 * The real built service (`node dist/src/main.js`), loaded, then sent SIGTERM: it stops
 * accepting, readiness answers 503, every request in flight completes, then it exits 0.
 */
describe('SIGTERM to the running service', () => {
  let database: OpenDatabase;
  let service: ServiceProcess | undefined;

  beforeEach(async () => {
    database = await createTestDatabase();
  }, 180_000);
  afterEach(async () => {
    await service?.kill();
    service = undefined;
    await database.close();
  });

  it('exits 0 at once when idle', async () => {
    service = await startServiceProcess({ DATABASE_URL: database.url });
    expect((await get(`${service.url}/api/health/ready`)).status).toBe(200);
    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(messages(service)).toContain('shutdown complete');
  }, 180_000);

  it('finishes every request in flight under load, answers readiness 503, then exits 0', async () => {
    service = await startServiceProcess({
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '4',
      SHUTDOWN_TIMEOUT_MS: '30000',
    });
    const { url } = service;
    const lock = await lockPrices(database.url);
    try {
      // Requests in flight at SIGTERM: reads waiting on the lock (four in PostgreSQL, the rest
      // queued for a pooled connection).
      const inFlight = Array.from({ length: 12 }, () =>
        get(`${url}/api/catalog/prices/price_pro_monthly`),
      );
      await lockWaiters(database.url, 4);
      // A request whose headers are half sent when the signal arrives: its connection is busy,
      // not idle, so it is read to the end and answered after shutdown has begun.
      const late = connect(new URL(url).port as unknown as number, '127.0.0.1');
      await new Promise((resolve) => late.once('connect', resolve));
      late.write('GET /api/health/ready HTTP/1.1\r\nHost: service\r\n');
      let lateAnswer = '';
      late.on('data', (chunk) => (lateAnswer += chunk.toString()));
      const lateDone = new Promise((resolve) => late.once('close', resolve));
      // Sent before the load starts and given time to be read: a connection whose first bytes
      // the server has not parsed yet still counts as idle.
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Load: workers sending request after request until the service refuses connections.
      let stopping = false;
      const load = Array.from({ length: 6 }, async () => {
        const outcomes: Outcome[] = [];
        for (;;) {
          const outcome = await get(`${url}/api/catalog/products`);
          outcomes.push(outcome);
          if (outcome.error !== undefined && stopping) return outcomes;
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 200));

      service.child.kill('SIGTERM');
      stopping = true;
      // New connections are refused from now on.
      for (let tries = 0; (await get(`${url}/api/health`)).error !== 'ECONNREFUSED'; tries += 1) {
        expect(tries).toBeLessThan(200);
      }
      late.write('\r\n');
      await lateDone;
      expect(lateAnswer).toMatch(/^HTTP\/1\.1 503 /);
      expect(lateAnswer.toLowerCase()).toContain('connection: close');
      expect(lateAnswer).toContain('"error_code":"SERVICE_UNAVAILABLE"');
      expect(lateAnswer).toContain('shutting down');

      await lock.release();
      expect(await Promise.all(inFlight)).toEqual(Array(12).fill({ status: 200 }));
      for (const outcomes of await Promise.all(load)) {
        for (const outcome of outcomes) {
          // Every request the service accepted was answered 200; the others were never accepted.
          if (outcome.error === undefined) expect(outcome.status).toBe(200);
          else expect(outcome.error).toBe('ECONNREFUSED');
        }
      }
      expect(await service.exited).toEqual({ code: 0, signal: null });
      expect(messages(service)).toContain('shutdown complete');
    } finally {
      await lock.release();
    }
  }, 180_000);

  it('cuts what still runs after SHUTDOWN_TIMEOUT_MS, then closes and exits', async () => {
    service = await startServiceProcess({
      DATABASE_URL: database.url,
      SHUTDOWN_TIMEOUT_MS: '300',
    });
    const lock = await lockPrices(database.url);
    try {
      const stuck = get(`${service.url}/api/catalog/prices/price_pro_monthly`);
      await lockWaiters(database.url, 1);
      service.child.kill('SIGTERM');
      expect((await stuck).error).toBeDefined();
      await lock.release();
      expect(await service.exited).toEqual({ code: 0, signal: null });
      expect(messages(service)).toContain(
        'shutdown complete; 1 request(s) still running after SHUTDOWN_TIMEOUT_MS were cut',
      );
    } finally {
      await lock.release();
    }
  }, 180_000);
});

describe('a database outage, in the running service’s log', () => {
  let database: OpenDatabase;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
  }, 180_000);
  afterAll(async () => {
    await service?.kill();
    await database?.close();
  });

  it('is logged once when it starts and once when it ends, not once per request', async () => {
    service = await startServiceProcess({ DATABASE_URL: database.url });
    const { url } = service;
    // Only the API's requests meet the outage: the sandbox's own webhook deliveries are done.
    await service.control('/webhooks/flush', {});
    await service.control('/webhooks/options', { enabled: false });
    const name = new URL(database.url).pathname.slice(1);
    const admin = new Client({ connectionString: database.url.replace(`/${name}`, '/postgres') });
    await admin.connect();
    const failed: Outcome[] = [];
    try {
      await admin.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
      for (let i = 0; i < 20; i += 1) failed.push(await get(`${url}/api/catalog/products`));
    } finally {
      await admin.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    expect(failed).toEqual(Array(20).fill({ status: 503 }));
    expect((await get(`${url}/api/catalog/products`)).status).toBe(200);

    // The line is written before that 200 is sent, but the child's stdout may reach this
    // process after the response does (a loaded machine): wait for it, for at most 5 s.
    const isEnd = (line: { msg?: unknown }): boolean => line.msg === 'database reachable again';
    for (let i = 0; i < 50 && !service.logLines().some(isEnd); i += 1)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const lines = service.logLines();
    const started = lines.filter((line) => String(line.msg).startsWith('database unavailable'));
    const ended = lines.filter(isEnd);
    expect(started).toHaveLength(1);
    expect(ended).toHaveLength(1);
    expect(ended[0].failedRequests).toBeGreaterThanOrEqual(20);
    // No stack per request: the outage's only error line is its start.
    expect(lines.filter((line) => line.level === 50)).toEqual(started);
  }, 180_000);
});
