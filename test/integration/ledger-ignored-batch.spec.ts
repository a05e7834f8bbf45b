import { randomUUID } from 'node:crypto';
import type { OpenDatabase } from '../../src/database/database-location';
import { PrismaService } from '../../src/database/prisma.service';
import { SqlClient } from '../../src/database/sql-client';
import {
  EventLedgerRepository,
  type LedgerEntry,
} from '../../src/sync/ledger/event-ledger.repository';
import { createTestDatabase } from '../support/test-database';

/**
 * Events of types the service does not apply are about half of what Stripe sends: the ones that
 * arrive together are recorded by one statement, each still exactly once, and one bad row does
 * not fail the others.
 */
describe('recording ignored events together', () => {
  let database: OpenDatabase;
  let prisma: PrismaService;
  let db: SqlClient;
  let ledger: EventLedgerRepository;

  beforeAll(async () => {
    database = await createTestDatabase();
    prisma = new PrismaService(database.url, { size: 4, acquireTimeoutMs: 2_000 });
    db = new SqlClient(prisma);
    ledger = new EventLedgerRepository(prisma, db);
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await database.close();
  });

  const entry = (id: string, type = 'payment_intent.created'): LedgerEntry => ({
    stripeEventId: id,
    type,
    apiVersion: '2025-01-01',
    objectId: `pi_${id}`,
    stripeCustomerId: null,
    stripeCreatedAt: new Date('2026-11-30T12:00:00.000Z'),
    payload: JSON.stringify({ id, object: 'event', type, note: `a "quoted" \\ value ${id}` }),
  });

  async function statusesOf(ids: string[]): Promise<Map<string, string>> {
    const { rows } = await prisma.pool.query<{ stripeEventId: string; status: string }>(
      'SELECT "stripeEventId", "status" FROM "WebhookEvent" WHERE "stripeEventId" = ANY($1)',
      [ids],
    );
    return new Map(rows.map((row) => [row.stripeEventId, row.status]));
  }

  it('records forty events arriving together in one statement, each once', async () => {
    const ids = Array.from({ length: 40 }, () => `evt_${randomUUID()}`);
    // Ten of them delivered twice in the same moment.
    const deliveries = [...ids, ...ids.slice(0, 10)];
    const query = jest.spyOn(db, 'query');
    try {
      const recorded = await Promise.all(
        deliveries.map((id) => ledger.recordIgnored(entry(id), 'event type not handled')),
      );
      expect(query).toHaveBeenCalledTimes(1);
      expect(recorded.slice(0, 40)).toEqual(ids.map(() => true));
      expect(recorded.slice(40)).toEqual(ids.slice(0, 10).map(() => false));
    } finally {
      query.mockRestore();
    }
    const statuses = await statusesOf(ids);
    expect(statuses.size).toBe(40);
    expect(new Set(statuses.values())).toEqual(new Set(['IGNORED']));
    const { rows } = await prisma.pool.query<{ payload: unknown; lastError: string }>(
      'SELECT "payload", "lastError" FROM "WebhookEvent" WHERE "stripeEventId" = $1',
      [ids[3]],
    );
    expect(rows).toEqual([
      { payload: JSON.parse(entry(ids[3]).payload), lastError: 'event type not handled' },
    ]);

    // Delivered again later: a duplicate, recorded by nobody.
    expect(await ledger.recordIgnored(entry(ids[0]), 'event type not handled')).toBe(false);
  });

  it('answers a repeat in the same batch only once the first delivery is committed', async () => {
    const id = `evt_${randomUUID()}`;
    // A slow insert: the repeat must wait for it, not answer before the row exists.
    const insert = db.query.bind(db);
    const query = jest.spyOn(db, 'query').mockImplementation(async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return insert(...args);
    });
    try {
      const [first, second] = await Promise.all([
        ledger.recordIgnored(entry(id), 'event type not handled'),
        ledger
          .recordIgnored(entry(id), 'event type not handled')
          .then(async (recorded) => ({ recorded, status: (await statusesOf([id])).get(id) })),
      ]);
      expect(first).toBe(true);
      expect(second).toEqual({ recorded: false, status: 'IGNORED' });
    } finally {
      query.mockRestore();
    }
  });

  it('lets two batches holding the same events in opposite orders wait for each other, not deadlock', async () => {
    // Two recorders: a retried delivery, or another instance of the fleet.
    const other = new EventLedgerRepository(prisma, db);
    const failures: unknown[] = [];
    const insert = db.query.bind(db);
    const query = jest.spyOn(db, 'query').mockImplementation(async (...args) => {
      try {
        return await insert(...args);
      } catch (error) {
        failures.push(error);
        throw error;
      }
    });
    try {
      for (let round = 0; round < 20; round++) {
        const ids = Array.from({ length: 50 }, () => `evt_${randomUUID()}`);
        const [mine, theirs] = await Promise.all([
          Promise.all(ids.map((id) => ledger.recordIgnored(entry(id), 'event type not handled'))),
          Promise.all(
            [...ids]
              .reverse()
              .map((id) => other.recordIgnored(entry(id), 'event type not handled')),
          ),
        ]);
        // Each event recorded by exactly one of the two.
        expect(mine.filter(Boolean).length + theirs.filter(Boolean).length).toBe(50);
      }
    } finally {
      query.mockRestore();
    }
    expect(failures).toEqual([]);
  });

  it('records the good events of a batch that holds one the database refuses', async () => {
    const good = Array.from({ length: 5 }, () => `evt_${randomUUID()}`);
    const bad = `evt_${randomUUID()}`;
    const results = await Promise.allSettled([
      ...good.map((id) => ledger.recordIgnored(entry(id), 'event type not handled')),
      // PostgreSQL text cannot hold a NUL character.
      ledger.recordIgnored(entry(bad, 'payment_intent.\u0000created'), 'event type not handled'),
    ]);
    expect(results.slice(0, 5)).toEqual(good.map(() => ({ status: 'fulfilled', value: true })));
    expect(results[5].status).toBe('rejected');
    const statuses = await statusesOf([...good, bad]);
    expect([...statuses.keys()].sort()).toEqual([...good].sort());
  });
});
