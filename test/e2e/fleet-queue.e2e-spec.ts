import { Client } from 'pg';
import Stripe from 'stripe';
import { advisoryKey } from '../../src/database/sql-client';
import { startFleet, startWorkerProcess, type Fleet, type WorkerProcess } from '../support/fleet';
import { TEST_ADMIN_KEY, bearer, newUser, signToken } from '../support/tokens';

const SECRET = 'whsec_fleet_queue_test';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
  for (let tries = 0; tries < 1200; tries++) {
    const value = await probe();
    if (value !== null) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function count(db: Client, text: string, values: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ count: string }>(text, values);
  return Number(rows[0].count);
}

/**
 * WEBHOOK_MODE=queued: an instance that only ingests (QUEUE_WORKERS=0) records each event and its
 * job, and `npm run worker` processes apply them. A worker SIGKILLed while it holds events (its
 * transactions wait on the customer's lock) loses nothing: its jobs expire and another worker
 * applies each event exactly once.
 */
describe('queued webhooks with worker processes', () => {
  let fleet: Fleet;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    fleet = await startFleet(1, {
      WEBHOOK_MODE: 'queued',
      QUEUE_WORKERS: '0',
      QUEUE_JOB_TIMEOUT_SECONDS: '2',
      QUEUE_MAINTENANCE_SECONDS: '1',
      QUEUE_RETRY_DELAY_SECONDS: '1',
      STRIPE_WEBHOOK_SECRETS: SECRET,
    });
  }, 180_000);
  afterAll(async () => {
    for (const worker of workers) await worker.kill();
    await fleet?.stop();
  });

  it('a worker killed mid-event: another applies every event exactly once', async () => {
    const [instance] = fleet.instances;
    const user = newUser();
    const token = signToken(user);
    expect(
      (await fetch(`${instance.url}/api/entitlements`, { headers: bearer(token) })).status,
    ).toBe(200);
    const { rows } = await fleet.db.query<{ id: string }>(
      'SELECT id FROM "Account" WHERE "externalId" = $1',
      [user.sub],
    );
    const accountId = rows[0].id;
    const customer = await fleet.stripe.customers.create({
      email: user.email,
      metadata: { accountId },
    });

    // The test holds the customer's lock: the worker's transactions for it wait, mid-event.
    const blocker = new Client({ connectionString: fleet.database.url });
    await blocker.connect();
    await blocker.query(
      `SELECT pg_advisory_lock(${advisoryKey(`customer:${customer.id}`).toString()})`,
    );
    const doomed = await startWorkerProcess(fleet.env);
    workers.push(doomed);

    const session = await fleet.stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
      client_reference_id: accountId,
      metadata: { accountId },
      subscription_data: { metadata: { accountId } },
      success_url: 'http://localhost:5173/billing/success',
    });
    const completed = await fetch(
      `${fleet.emulator.url}/_emulator/checkout/sessions/${session.id}/complete`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ card: '4242424242424242' }),
      },
    );
    expect(completed.status).toBe(200);
    // Every delivery was answered at once (recorded and queued): nothing was applied yet.
    await fleet.flush();
    const events = await fleet.db.query<{ stripeEventId: string }>(
      `SELECT "stripeEventId" FROM "WebhookEvent" WHERE "stripeCustomerId" = $1`,
      [customer.id],
    );
    expect(events.rows.length).toBeGreaterThan(2);

    // The worker holds the customer's jobs, its transactions waiting on the lock.
    await waitFor('the worker to wait on the lock', async () =>
      (await count(
        fleet.db,
        `SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      )) > 0
        ? true
        : null,
    );
    expect(
      await count(
        fleet.db,
        `SELECT count(*) FROM pgboss.job WHERE name = 'stripe-event' AND state = 'active'`,
      ),
    ).toBeGreaterThan(0);
    await doomed.kill();
    const rescuer = await startWorkerProcess(fleet.env);
    workers.push(rescuer);
    await blocker.query('SELECT pg_advisory_unlock_all()');
    await blocker.end();

    await waitFor('every event of the customer applied', async () =>
      (await count(
        fleet.db,
        `SELECT count(*) FROM "WebhookEvent" WHERE "stripeCustomerId" = $1 AND "status" NOT IN ('PROCESSED', 'IGNORED')`,
        [customer.id],
      )) === 0
        ? true
        : null,
    );
    // Each event was applied once: one ledger row, one successful attempt (the killed
    // worker's transactions rolled back with its connections).
    const ledger = await fleet.db.query<{ attempts: number; status: string }>(
      `SELECT "attempts", "status" FROM "WebhookEvent" WHERE "stripeCustomerId" = $1`,
      [customer.id],
    );
    for (const row of ledger.rows) if (row.status === 'PROCESSED') expect(row.attempts).toBe(1);
    expect(
      await count(fleet.db, 'SELECT count(*) FROM "Subscription" WHERE "accountId" = $1', [
        accountId,
      ]),
    ).toBe(1);
    const current = await fetch(`${instance.url}/api/subscriptions/current`, {
      headers: bearer(token),
    });
    expect(
      ((await current.json()) as { subscription: { status: string } }).subscription,
    ).toMatchObject({
      status: 'active',
    });
  });

  it('an event that fails is FAILED in the admin ledger, retried with backoff, then applied', async () => {
    const [instance] = fleet.instances;
    workers.push(await startWorkerProcess(fleet.env));
    // A customer of an account, so that applying the event writes (a customer of no account
    // would be IGNORED, not PROCESSED).
    const user = newUser();
    expect(
      (await fetch(`${instance.url}/api/entitlements`, { headers: bearer(signToken(user)) }))
        .status,
    ).toBe(200);
    const { rows: accounts } = await fleet.db.query<{ id: string }>(
      'SELECT id FROM "Account" WHERE "externalId" = $1',
      [user.sub],
    );
    const customer = await fleet.stripe.customers.create({
      email: 'queued-failure@example.com',
      metadata: { accountId: accounts[0].id },
    });
    await fleet.flush();
    const realism = async (body: unknown): Promise<void> => {
      const response = await fetch(`${fleet.emulator.url}/_emulator/realism`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
    };
    // Stripe fails every call: the thin event's fetch fails, whatever the SDK's retries.
    await realism({ faults: { rate: 1, kinds: ['500'], phase: 'before' } });
    const event = {
      id: `evt_queued_failure_${Date.now()}`,
      object: 'event',
      type: 'customer.updated',
      api_version: '2025-03-31.basil',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object: { id: customer.id, object: 'customer' } },
    };
    const payload = JSON.stringify(event);
    const answer = await fetch(`${instance.url}/api/webhooks/stripe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }),
      },
      body: payload,
    });
    // Recorded and queued: answered at once, whatever Stripe does.
    expect(answer.status).toBe(200);

    const failed = await waitFor('the failure in the admin ledger', async () => {
      const response = await fetch(`${instance.url}/api/admin/webhook-events?status=FAILED`, {
        headers: { 'x-admin-key': TEST_ADMIN_KEY },
      });
      expect(response.status).toBe(200);
      const rows = (await response.json()) as { id: string; attempts: number; lastError: string }[];
      return rows.find((row) => row.id === event.id) ?? null;
    });
    expect(failed.lastError).toEqual(expect.any(String));
    expect(failed.attempts).toBeGreaterThanOrEqual(1);

    await realism({ faults: null });
    const applied = await waitFor('the retried event applied', async () => {
      const { rows } = await fleet.db.query<{ status: string; attempts: number }>(
        'SELECT "status"::text AS status, "attempts" FROM "WebhookEvent" WHERE "stripeEventId" = $1',
        [event.id],
      );
      return rows[0]?.status === 'PROCESSED' ? rows[0] : null;
    });
    expect(applied.attempts).toBeGreaterThanOrEqual(2);
  });
});
