import { Client } from 'pg';
import Stripe from 'stripe';
import {
  startEmulatorProcess,
  type EmulatorProcess,
} from '../../emulator/test/support/emulator-process';
import type { OpenDatabase } from '../../src/database/database-location';
import { startServiceProcess, type ServiceProcess } from '../support/built-service';
import { createTestDatabase } from '../support/test-database';
import { bearer, newUser, signToken } from '../support/tokens';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function realism(emulator: EmulatorProcess, patch: unknown): Promise<void> {
  const response = await fetch(`${emulator.url}/_emulator/realism`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(patch),
  });
  expect(response.ok).toBe(true);
}

/**
 * The service dies after Stripe made the checkout session and before the session was written
 * down; the buyer's request is sent again to a new process. The claim the dead process held
 * lapses, the new one takes it over with the same Stripe idempotency key, and Stripe answers with
 * the session it already made: no second session exists, anywhere.
 */
describe('a process killed between Stripe’s answer and the local write', () => {
  let emulator: EmulatorProcess;
  let database: OpenDatabase;
  let db: Client;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    emulator = await startEmulatorProcess(['--port', '0']);
    database = await createTestDatabase();
    db = new Client({ connectionString: database.url });
    await db.connect();
  }, 180_000);
  afterAll(async () => {
    for (const service of services) await service.kill();
    await db?.end();
    await database?.close();
    await emulator?.stop();
  });

  const start = async (): Promise<ServiceProcess> => {
    const service = await startServiceProcess({
      DATABASE_URL: database.url,
      STRIPE_API_BASE: emulator.url,
    });
    services.push(service);
    return service;
  };

  it('leaves one session, and the retried request answers with it', async () => {
    const first = await start();
    const user = newUser('crash');
    const auth = bearer(signToken(user));
    const body = JSON.stringify({ priceId: 'price_pro_monthly' });
    const post = (url: string) =>
      fetch(`${url}/api/checkout/sessions`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body,
      });

    // Every Stripe call now takes a while: time to hold the write the service makes after it.
    await realism(emulator, { latency: { fixedMs: 1500 } });
    const doomed = post(first.url).catch((error: unknown) => error);
    // The claim is taken (its transaction committed) before Stripe is called...
    let claim: { id: string } | undefined;
    for (let tries = 0; claim === undefined; tries += 1) {
      expect(tries).toBeLessThan(600);
      const { rows } = await db.query<{ id: string }>(
        `SELECT c."id" FROM "CheckoutClaim" c JOIN "Account" a ON a."id" = c."accountId"
         WHERE a."externalId" = $1 AND c."stripeSessionId" IS NULL`,
        [user.sub],
      );
      claim = rows[0];
      if (claim === undefined) await sleep(50);
    }
    // ...and its row is held here, so recording the session Stripe made has to wait.
    await db.query('BEGIN');
    await db.query('SELECT 1 FROM "CheckoutClaim" WHERE "id" = $1 FOR UPDATE', [claim.id]);
    for (let tries = 0; ; tries += 1) {
      expect(tries).toBeLessThan(600);
      const { rows } = await db.query<{ waiting: string }>(
        `SELECT count(*) AS waiting FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
      );
      if (Number(rows[0].waiting) > 0) break;
      await sleep(50);
    }
    // Stripe has answered and the service waits to write it down: it dies now.
    await first.kill();
    await db.query('ROLLBACK');
    // The buyer got no answer: the connection died with the process.
    expect((await doomed) as { status?: number }).not.toHaveProperty('status');
    await realism(emulator, { latency: null });

    const account = await db.query<{ id: string; stripeCustomerId: string }>(
      'SELECT "id", "stripeCustomerId" FROM "Account" WHERE "externalId" = $1',
      [user.sub],
    );
    const { id: accountId, stripeCustomerId } = account.rows[0];
    const stripe = new Stripe('sk_test_suite', {
      host: '127.0.0.1',
      port: Number(new URL(emulator.url).port),
      protocol: 'http',
    });
    const made = await stripe.checkout.sessions.list({ customer: stripeCustomerId, limit: 10 });
    expect(made.data).toHaveLength(1);
    const local = await db.query('SELECT 1 FROM "CheckoutSession" WHERE "accountId" = $1', [
      accountId,
    ]);
    expect(local.rowCount).toBe(0);

    // The buyer's retry reaches a new process.
    const second = await start();
    const retried = await post(second.url);
    expect(retried.status).toBe(201);
    const answer = (await retried.json()) as { sessionId: string; url: string };
    expect(answer.sessionId).toBe(made.data[0].id);

    const after = await stripe.checkout.sessions.list({ customer: stripeCustomerId, limit: 10 });
    expect(after.data.map((session) => session.id)).toEqual([answer.sessionId]);
    const rows = await db.query<{ stripeId: string }>(
      'SELECT "stripeId" FROM "CheckoutSession" WHERE "accountId" = $1',
      [accountId],
    );
    expect(rows.rows).toEqual([{ stripeId: answer.sessionId }]);
    // And again: the same checkout asked once more joins it.
    const again = (await (await post(second.url)).json()) as { sessionId: string };
    expect(again.sessionId).toBe(answer.sessionId);
  }, 180_000);
});
