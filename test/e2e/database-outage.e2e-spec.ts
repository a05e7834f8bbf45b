import { Client } from 'pg';
import { control, flushWebhooks } from '../support/emulator-control';
import { expectEnvelope } from '../support/envelope';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, newUser, signToken } from '../support/tokens';

/** An administrative connection to the test database's server. */
async function adminFor(databaseUrl: string): Promise<{ client: Client; name: string }> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const client = new Client({ connectionString: databaseUrl.replace(`/${name}`, '/postgres') });
  await client.connect();
  return { client, name };
}

describe('the database goes away', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 503 DATABASE_UNAVAILABLE with Retry-After, writes nothing, and recovers', async () => {
    const auth = bearer(signToken(newUser('outage')));
    const { client, name } = await adminFor(t.databaseUrl);
    try {
      await client.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
      await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
      const answers = await Promise.all([
        t.http.get('/api/catalog/products'),
        t.http.get('/api/subscriptions/current').set(auth),
        t.http.post('/api/checkout/sessions').set(auth).send({ priceId: 'price_pro_monthly' }),
        t.http.get('/api/payments').set(auth),
      ]);
      for (const answer of answers) {
        expect(answer.status).toBe(503);
        expectEnvelope(answer.body, 503, 'DATABASE_UNAVAILABLE');
        expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      }
      const ready = await t.http.get('/api/health/ready').expect(503);
      expectEnvelope(ready.body, 503, 'SERVICE_UNAVAILABLE');
      await t.http.get('/api/health').expect(200);
    } finally {
      await client.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
      await client.end();
    }
    await t.http.get('/api/health/ready').expect(200);
    await t.http.get('/api/subscriptions/current').set(auth).expect(200);
  });

  it('sends a read once more when the server ended its pooled connections', async () => {
    const { client, name } = await adminFor(t.databaseUrl);
    try {
      for (let round = 0; round < 3; round += 1) {
        // Warm the pool, then have the server end every connection of the service.
        await t.http.get('/api/catalog/products').expect(200);
        await client.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
        await t.http.get('/api/catalog/products').expect(200);
      }
    } finally {
      await client.end();
    }
  });
});

describe('a pooled connection that died silently', () => {
  let t: TestService;
  let proxy: TcpProxy | undefined;

  beforeAll(async () => {
    t = await startTestService(
      {},
      {
        databaseVia: async (server) => {
          proxy = new TcpProxy(server);
          return proxy.start();
        },
      },
    );
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
  });

  it('fails no request: the read meeting the dead connection is sent once more', async () => {
    for (let round = 0; round < 3; round += 1) {
      await t.http.get('/api/catalog/prices/price_pro_monthly').expect(200);
      // The pool's connections are dead, and nothing tells the pool until it uses one.
      proxy!.cutOnNextWrite();
      const res = await t.http.get('/api/catalog/prices/price_pro_monthly');
      expect(res.status).toBe(200);
    }
  });
});

describe('every pooled connection taken', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService({ DATABASE_POOL_SIZE: '1', DATABASE_POOL_TIMEOUT_MS: '200' });
    // Nothing else may take the one connection meanwhile: no webhook deliveries.
    await flushWebhooks(t.service);
    await control(t.service, '/webhooks/options', { enabled: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 503 DATABASE_BUSY after the pool timeout, and readiness stays 200', async () => {
    const { client } = await adminFor(t.databaseUrl);
    const blocker = new Client({ connectionString: t.databaseUrl });
    await blocker.connect();
    try {
      // A catalog read that waits on a lock holds the pool's one connection.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE "Price" IN ACCESS EXCLUSIVE MODE');
      const held = t.http.get('/api/catalog/prices/price_pro_monthly').then((res) => res);
      for (let tries = 0; ; tries += 1) {
        expect(tries).toBeLessThan(500);
        const { rows } = await client.query<{ waiting: string }>(
          `SELECT count(*) AS waiting FROM pg_stat_activity
           WHERE datname = $1 AND wait_event_type = 'Lock'`,
          [new URL(t.databaseUrl).pathname.slice(1)],
        );
        if (Number(rows[0].waiting) > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const busy = await t.http.get('/api/subscriptions/current').set(bearer(signToken(newUser())));
      expect(busy.status).toBe(503);
      expectEnvelope(busy.body, 503, 'DATABASE_BUSY');
      expect(busy.headers['retry-after']).toBe('1');
      const ready = await t.http.get('/api/health/ready').expect(200);
      expect(ready.body.checks.database).toBe('busy');
      await blocker.query('ROLLBACK');
      expect((await held).status).toBe(200);
    } finally {
      await blocker.end();
      await client.end();
    }
    expect((await t.http.get('/api/health/ready').expect(200)).body.checks.database).toBe('up');
  });
});
