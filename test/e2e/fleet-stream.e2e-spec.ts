import Stripe from 'stripe';
import { startFleet, type Fleet } from '../support/fleet';
import { fleetDatabaseState, recordFleetLifecycles } from '../support/fleet-lifecycles';
import { stripeState, withDuplicates, type LifecycleAccount } from '../support/lifecycles';

/** Every instance accepts this secret (besides its own endpoint's), so any may get any event. */
const SECRET = 'whsec_fleet_stream_test';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A seeded generator, so a failing stream can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function shuffled<T>(items: T[], next: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

async function deliver(url: string, event: Stripe.Event): Promise<number> {
  const payload = JSON.stringify(event);
  const response = await fetch(`${url}/api/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }),
    },
    body: payload,
  });
  await response.arrayBuffer();
  return response.status;
}

/**
 * Three instances on one PostgreSQL and one emulator, in each webhook mode: real lifecycles'
 * events, shuffled, 30 % of them duplicated, each delivery sent at the same moment to two
 * different instances (16 requests in flight) → every event is applied once, nothing deadlocks,
 * and each customer's rows equal the emulator's state.
 */
describe.each(['inline', 'queued'] as const)('a fleet of three, WEBHOOK_MODE=%s', (mode) => {
  let fleet: Fleet;
  let events: Stripe.Event[] = [];
  let accounts: LifecycleAccount[] = [];
  const seed = Number(process.env.FLEET_SEED ?? Date.now() % 2 ** 31);

  beforeAll(async () => {
    fleet = await startFleet(3, {
      WEBHOOK_MODE: mode,
      STRIPE_WEBHOOK_SECRETS: SECRET,
      // Workers poll rarely: the instance that ingests wakes its own at once.
      QUEUE_WORKERS: '2',
    });
    ({ events, accounts } = await recordFleetLifecycles(fleet));
  }, 180_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  it('applies every event once and ends equal to Stripe for every customer', async () => {
    expect(events.length).toBeGreaterThan(20);
    const next = random(seed);
    const duplicates = shuffled(events, next).slice(0, Math.ceil(events.length * 0.3));
    const stream = withDuplicates(shuffled(events, next), duplicates, seed);
    const urls = fleet.instances.map((instance) => instance.url);
    for (let i = 0; i < stream.length; i += 8) {
      const statuses = await Promise.all(
        stream.slice(i, i + 8).flatMap((event) => {
          const first = Math.floor(next() * urls.length);
          const second = (first + 1 + Math.floor(next() * (urls.length - 1))) % urls.length;
          return [deliver(urls[first], event), deliver(urls[second], event)];
        }),
      );
      expect({ seed, refused: statuses.filter((s) => s !== 200) }).toEqual({ seed, refused: [] });
    }

    const ids = events.map((event) => event.id);
    // Queued: the deliveries were answered at once; the workers finish behind them.
    for (let tries = 0; ; tries++) {
      const { rows } = await fleet.db.query<{ pending: string }>(
        `SELECT count(*) AS pending FROM "WebhookEvent"
         WHERE "stripeEventId" = ANY($1) AND "status" NOT IN ('PROCESSED', 'IGNORED')`,
        [ids],
      );
      if (rows[0].pending === '0') break;
      expect(tries).toBeLessThan(1200);
      await sleep(50);
    }

    const ledger = await fleet.db.query<{
      stripeEventId: string;
      status: string;
      attempts: number;
    }>(
      `SELECT "stripeEventId", "status"::text AS "status", "attempts" FROM "WebhookEvent"
       WHERE "stripeEventId" = ANY($1)`,
      [ids],
    );
    expect(ledger.rows).toHaveLength(events.length);
    // Applied once: one successful attempt each, whatever the number of deliveries.
    expect(ledger.rows.filter((row) => row.attempts !== 1)).toEqual([]);
    for (const [index, account] of accounts.entries()) {
      expect({ seed, index, state: await fleetDatabaseState(fleet.db, account.accountId) }).toEqual(
        { seed, index, state: await stripeState(fleet.stripe, account.customerId) },
      );
    }
    if (mode === 'queued') {
      // One job per event, though each was delivered two to four times to different instances.
      const jobs = await fleet.db.query<{ jobs: string; events: string }>(
        `SELECT count(*) AS jobs, count(DISTINCT data->>'eventId') AS events
         FROM pgboss.job WHERE name = 'stripe-event' AND data->>'eventId' = ANY($1)`,
        [ids],
      );
      expect(Number(jobs.rows[0].jobs)).toBeGreaterThan(0);
      expect(jobs.rows[0].jobs).toBe(jobs.rows[0].events);
    }
    const deadlocks = await fleet.db.query<{ deadlocks: string }>(
      'SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()',
    );
    expect(deadlocks.rows[0].deadlocks).toBe('0');
  }, 180_000);
});
