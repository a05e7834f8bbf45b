import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import {
  startEmulatorProcess,
  type EmulatorProcess,
} from '../../emulator/test/support/emulator-process';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { subscribeThroughStripe } from '../support/flows';
import { freePort } from '../support/free-port';
import { startServiceProcess, type ServiceProcess } from '../support/service-process';
import { createTestDatabase } from '../support/test-database';
import { startTestService, type TestService } from '../support/test-service';
import { TEST_ADMIN_KEY, bearer, newUser, signToken } from '../support/tokens';

function sdkAt(url: string): Stripe {
  const { hostname, port } = new URL(url);
  return new Stripe('sk_test_suite', {
    host: hostname,
    port: Number(port),
    protocol: 'http',
    maxNetworkRetries: 2,
  });
}

async function endpointsOf(stripe: Stripe): Promise<Stripe.WebhookEndpoint[]> {
  return stripe.webhookEndpoints.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
}

describe('the emulator as its own service', () => {
  describe('STRIPE_API_BASE in sandbox mode', () => {
    let emulator: EmulatorProcess;
    let t: TestService;

    beforeAll(async () => {
      emulator = await startEmulatorProcess(['--port', '0']);
      t = await startTestService({ STRIPE_API_BASE: emulator.url });
    });
    afterAll(async () => {
      await t?.close();
      await emulator?.stop();
    });

    it('starts no emulator of its own and runs the whole billing flow against the given one', async () => {
      expect(t.service.sandbox?.emulator).toBeUndefined();
      expect(t.service.sandbox?.url).toBe(emulator.url);
      const health = await t.http.get('/api/health/ready').expect(200);
      expect(health.body).toMatchObject({ status: 'ready' });

      const account = await subscribeThroughStripe(t);
      const current = await t.http
        .get('/api/subscriptions/current')
        .set(bearer(account.token))
        .expect(200);
      expect(current.body.subscription).toMatchObject({
        id: account.subscriptionId,
        status: 'active',
        entitled: true,
      });
      // The app's own calls went to the standalone emulator: the portal needs its customer.
      await t.http.post('/api/portal/sessions').set(bearer(account.token)).send({}).expect(200);
      const stripe = emulatorStripe(t.service);
      expect((await stripe.subscriptions.retrieve(account.subscriptionId)).status).toBe('active');
    });

    it('follows the standalone emulator’s clock', async () => {
      const before = await control<{ now: number }>(t.service, '/clock');
      await control(t.service, '/clock/advance', { seconds: 5 * 86_400 });
      const clock = t.service.sandbox!.clock;
      const deadline = Date.now() + 5_000;
      while (clock.now().getTime() / 1000 < before.now + 5 * 86_400 - 5 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(clock.now().getTime() / 1000).toBeGreaterThanOrEqual(before.now + 5 * 86_400 - 5);
    });
  });

  describe('two app processes sharing one standalone emulator', () => {
    let emulator: EmulatorProcess;
    const services: ServiceProcess[] = [];
    let dataDir: string;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'shared-emulator-'));
      emulator = await startEmulatorProcess(['--port', '0', '--data-dir', dataDir]);
    });
    afterAll(async () => {
      for (const service of services) await service.stop();
      await emulator?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('each registers its endpoint once, seeding stays idempotent, and every event applies once', async () => {
      const database = await createTestDatabase();
      try {
        const env = { STRIPE_API_BASE: emulator.url, DATABASE_URL: database.url };
        const stripe = sdkAt(emulator.url);
        const productEvents = async (): Promise<number> =>
          (
            await stripe.events
              .list({ type: 'product.created', limit: 100 })
              .autoPagingToArray({ limit: 1000 })
          ).length;
        const seededEvents = await productEvents();
        const [a, b] = await Promise.all([startServiceProcess(env), startServiceProcess(env)]);
        services.push(a, b);

        const endpoints = await endpointsOf(stripe);
        expect(endpoints.map((endpoint) => endpoint.url).sort()).toEqual(
          [a, b].map((service) => `${service.url}/api/webhooks/stripe`).sort(),
        );
        // The emulator seeded the catalog at its first start; the apps' seeding changed nothing.
        expect(await productEvents()).toBe(seededEvents);

        // A subscription bought through Stripe reaches both instances; the ledger applies it once.
        const user = newUser();
        const token = signToken(user);
        const me = await fetch(`${a.url}/api/subscriptions/current`, {
          headers: bearer(token),
        });
        expect(me.status).toBe(200);
        const { Client } = await import('pg');
        const db = new Client({ connectionString: database.url });
        await db.connect();
        try {
          const account = (
            await db.query<{ id: string }>('SELECT id FROM "Account" WHERE "externalId" = $1', [
              user.sub,
            ])
          ).rows[0];
          const session = await stripe.checkout.sessions.create({
            mode: 'subscription',
            line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
            client_reference_id: account.id,
            customer_email: user.email,
            metadata: { accountId: account.id },
            subscription_data: { metadata: { accountId: account.id } },
            success_url: 'http://localhost:5173/billing/success',
          });
          const completed = await fetch(
            `${emulator.url}/_emulator/checkout/sessions/${session.id}/complete`,
            {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ card: '4242424242424242' }),
            },
          );
          expect(completed.status).toBe(200);
          await fetch(`${emulator.url}/_emulator/webhooks/flush`, { method: 'POST', body: '{}' });

          for (const service of [a, b]) {
            const current = await fetch(`${service.url}/api/subscriptions/current`, {
              headers: bearer(token),
            });
            expect(
              ((await current.json()) as { subscription: { status: string } }).subscription,
            ).toMatchObject({ status: 'active', entitled: true });
          }
          const rows = await db.query<{ count: string }>(
            'SELECT count(*) FROM "Subscription" WHERE "accountId" = $1',
            [account.id],
          );
          expect(rows.rows[0].count).toBe('1');
          // Each event was delivered to both instances and recorded once.
          const events = await db.query<{ duplicates: string }>(
            'SELECT count(*) AS duplicates FROM (SELECT "stripeEventId" FROM "WebhookEvent" GROUP BY 1 HAVING count(*) > 1) d',
          );
          expect(events.rows[0].duplicates).toBe('0');
          const deliveries = (await (
            await fetch(
              `${emulator.url}/_emulator/deliveries?event=${encodeURIComponent(
                (await stripe.events.list({ type: 'checkout.session.completed', limit: 1 })).data[0]
                  .id,
              )}`,
            )
          ).json()) as { data: { endpoint: string; succeeded: boolean }[] };
          expect(
            new Set(deliveries.data.filter((d) => d.succeeded).map((d) => d.endpoint)).size,
          ).toBe(2);
        } finally {
          await db.end();
        }

        // Restarted on the same address, an instance reuses its endpoint and its secret.
        const before = endpoints.find((endpoint) => endpoint.url.startsWith(a.url))!;
        await a.stop();
        services.splice(services.indexOf(a), 1);
        const again = await startServiceProcess({ ...env, PORT: String(a.port) });
        services.push(again);
        const after = await endpointsOf(stripe);
        expect(after).toHaveLength(2);
        expect(after.find((endpoint) => endpoint.url.startsWith(again.url))?.id).toBe(before.id);
        const customer = await stripe.customers.create({ email: 'after-restart@example.com' });
        await fetch(`${emulator.url}/_emulator/webhooks/flush`, { method: 'POST', body: '{}' });
        const created = (
          await stripe.events.list({ type: 'customer.created', limit: 5 })
        ).data.find((event) => (event.data.object as Stripe.Customer).id === customer.id)!;
        const delivered = (await (
          await fetch(
            `${emulator.url}/_emulator/deliveries?event=${created.id}&endpoint=${before.id}`,
          )
        ).json()) as { data: { statusCode: number }[] };
        expect(delivered.data.map((attempt) => attempt.statusCode)).toEqual([200]);
      } finally {
        for (const service of services.splice(0)) await service.stop();
        await database.close();
      }
    });
  });

  describe('a restarted sandbox with its in-process emulator', () => {
    it('still agrees with its own database: the customer, subscription and endpoint are there', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'sandbox-emulator-'));
      const port = String(await freePort());
      const database = await createTestDatabase();
      // The service closes the database it was given; this one outlives the first run.
      const kept = { ...database, close: () => Promise.resolve() };
      let t = await startTestService({ PORT: port }, { emulatorDataDir: dataDir, database: kept });
      try {
        const account = await subscribeThroughStripe(t);
        const endpoints = await endpointsOf(emulatorStripe(t.service));
        await t.close();

        t = await startTestService({ PORT: port }, { emulatorDataDir: dataDir, database: kept });
        expect(t.service.sandbox?.emulator?.restored).toBe(true);
        expect(await endpointsOf(emulatorStripe(t.service))).toEqual(endpoints);
        // Stripe's side still knows the customer and subscription the database holds.
        await t.http.post('/api/portal/sessions').set(bearer(account.token)).send({}).expect(200);
        const cancelled = await t.http
          .post('/api/subscriptions/current/cancel')
          .set(bearer(account.token))
          .send({ atPeriodEnd: true })
          .expect(200);
        expect(cancelled.body.subscription).toMatchObject({ cancelAtPeriodEnd: true });
        await flushWebhooks(t.service);
        // A resync finds nothing to repair: nothing the database knows is missing from Stripe.
        const resync = await t.http
          .post('/api/admin/sync')
          .set('X-Admin-Key', TEST_ADMIN_KEY)
          .expect(200);
        expect(resync.body.driftCount).toBe(0);
        const linked = await t.prisma.account.findUniqueOrThrow({
          where: { id: account.accountId },
        });
        expect(linked.stripeCustomerId).toBe(account.customerId);
      } finally {
        await t.close();
        await database.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
});
