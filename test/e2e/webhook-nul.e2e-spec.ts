import { Client } from 'pg';
import Stripe from 'stripe';
import { RUNTIME_WEBHOOK_SECRETS } from '../../src/stripe/stripe.module';
import { emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { startTestService, type TestService } from '../support/test-service';
import { TEST_ADMIN_KEY } from '../support/tokens';

/**
 * Stripe passes through whatever a merchant typed (metadata, descriptions), U+0000 included,
 * which PostgreSQL's jsonb cannot hold: such an event is still recorded and can be replayed.
 */
describe('webhook payloads holding U+0000', () => {
  let t: TestService;
  let stripe: Stripe;
  let secret: string;

  beforeAll(async () => {
    t = await startTestService();
    stripe = emulatorStripe(t.service);
    const secrets = t.service.app.get<string[]>(RUNTIME_WEBHOOK_SECRETS);
    secret = secrets[secrets.length - 1];
    await flushWebhooks(t.service);
  });
  afterAll(async () => {
    await t?.close();
  });

  const deliver = (payload: string) =>
    t.http
      .post('/api/webhooks/stripe')
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', Stripe.webhooks.generateTestHeaderString({ payload, secret }))
      .send(payload);

  /** A real event as plain JSON, with a new id, the given type and U+0000 in merchant text. */
  async function eventWithNul(type: string): Promise<Record<string, unknown>> {
    const { data } = await stripe.events.list({ type: 'product.created', limit: 1 });
    const event = JSON.parse(JSON.stringify(data[0])) as {
      data: { object: Record<string, unknown> };
    } & Record<string, unknown>;
    event.id = `evt_nul_${Math.random().toString(36).slice(2)}`;
    event.type = type;
    event.data.object.description = 'Pro\u0000plan';
    event.data.object.metadata = { note: 'x\u0000y' };
    return event;
  }

  it.each([
    ['a handled type', 'product.created', 'PROCESSED'],
    ['a type not handled', 'product.nul_test', 'IGNORED'],
  ])('records %s and replays it as Stripe sent it', async (_, type, status) => {
    const event = await eventWithNul(type);
    const payload = JSON.stringify(event);
    expect(payload).toContain('\\u0000');
    expect((await deliver(payload).expect(200)).body).toEqual({ received: true });
    const id = event.id as string;
    const row = await t.prisma.webhookEvent.findUniqueOrThrow({ where: { stripeEventId: id } });
    expect(row.status).toBe(status);

    // Stored as the JSON text Stripe sent (a json column keeps \u0000 escaped), intact.
    const direct = new Client({ connectionString: t.databaseUrl });
    await direct.connect();
    try {
      const { rows } = await direct.query<{ text: string }>(
        'SELECT "payload"::text AS text FROM "WebhookEvent" WHERE "stripeEventId" = $1',
        [id],
      );
      // An event of a type not handled keeps only what names it (the ledger's choice).
      if (status === 'PROCESSED') expect(JSON.parse(rows[0].text)).toEqual(event);
      else expect(JSON.parse(rows[0].text)).toMatchObject({ id, type });
    } finally {
      await direct.end();
    }

    const replayed = await t.http
      .post(`/api/admin/webhook-events/${id}/replay`)
      .set('X-Admin-Key', TEST_ADMIN_KEY)
      .expect(200);
    expect(replayed.body).toMatchObject({ id, status });
    const again = await deliver(payload).expect(200);
    expect(again.body).toEqual({ received: true, duplicate: true });
  });
});
