import Stripe from 'stripe';
import { RUNTIME_WEBHOOK_SECRETS } from '../../src/stripe/stripe.module';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, newUser, signToken, TEST_ADMIN_KEY } from '../support/tokens';

const ROTATED_OUT_SECRET = 'whsec_previous_secret_still_accepted_during_rotation';

describe('POST /api/webhooks/stripe', () => {
  let t: TestService;
  let stripe: Stripe;
  let secret: string;

  beforeAll(async () => {
    t = await startTestService({ STRIPE_WEBHOOK_SECRETS: ROTATED_OUT_SECRET });
    stripe = emulatorStripe(t.service);
    const secrets = t.service.app.get<string[]>(RUNTIME_WEBHOOK_SECRETS);
    secret = secrets[secrets.length - 1];
    await flushWebhooks(t.service);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A real event from the emulator, re-sent by the test with the signature it chooses. */
  async function realEvent(type = 'product.created'): Promise<Stripe.Event> {
    const { data } = await stripe.events.list({ type, limit: 1 });
    expect(data.length).toBe(1);
    return data[0];
  }

  const post = (payload: string, signature?: string) => {
    const request = t.http.post('/api/webhooks/stripe').set('Content-Type', 'application/json');
    if (signature !== undefined) request.set('Stripe-Signature', signature);
    return request.send(payload);
  };

  const ledgerCount = (stripeEventId: string) =>
    t.prisma.webhookEvent.count({ where: { stripeEventId } });

  /** A fresh id makes the event new to the ledger while keeping Stripe's shape. */
  const withNewId = (event: Stripe.Event): string =>
    JSON.stringify({ ...event, id: `evt_test_${Math.random().toString(36).slice(2)}` });

  describe('signatures', () => {
    it('accepts a correctly signed event and records it', async () => {
      const payload = withNewId(await realEvent());
      const res = await post(
        payload,
        Stripe.webhooks.generateTestHeaderString({ payload, secret }),
      ).expect(200);
      expect(res.body).toEqual({ received: true });
      const id = (JSON.parse(payload) as { id: string }).id;
      const row = await t.prisma.webhookEvent.findUniqueOrThrow({ where: { stripeEventId: id } });
      expect(row).toMatchObject({ status: 'PROCESSED', type: 'product.created', attempts: 1 });
    });

    it.each([
      [
        'another secret',
        (payload: string, _: string) =>
          Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_not_ours' }),
      ],
      [
        'a tampered body',
        (payload: string, s: string) =>
          Stripe.webhooks.generateTestHeaderString({
            payload: payload.replace('"product', '"produce'),
            secret: s,
          }),
      ],
      [
        'a stale timestamp',
        (payload: string, s: string) =>
          Stripe.webhooks.generateTestHeaderString({
            payload,
            secret: s,
            timestamp: Math.floor(Date.now() / 1000) - 301,
          }),
      ],
      ['a malformed header', () => 'garbage'],
      ['no header', () => undefined],
    ])('refuses %s with 400 and writes nothing', async (_, sign) => {
      const payload = withNewId(await realEvent());
      const id = (JSON.parse(payload) as { id: string }).id;
      const res = await post(payload, sign(payload, secret)).expect(400);
      expect(res.body).toMatchObject({ success: false, error_code: 'WEBHOOK_SIGNATURE_INVALID' });
      expect(await ledgerCount(id)).toBe(0);
    });

    it('accepts a header with several v1 signatures when one is valid', async () => {
      const payload = withNewId(await realEvent());
      const valid = Stripe.webhooks.generateTestHeaderString({ payload, secret });
      const header = valid.replace(',v1=', `,v1=${'0'.repeat(64)},v1=`);
      await post(payload, header).expect(200);
    });

    it('accepts every secret of a rotation', async () => {
      const payload = withNewId(await realEvent());
      await post(
        payload,
        Stripe.webhooks.generateTestHeaderString({ payload, secret: ROTATED_OUT_SECRET }),
      ).expect(200);
    });

    it('refuses a signed body that is not an event', async () => {
      const payload = JSON.stringify({ hello: 'world' });
      const res = await post(
        payload,
        Stripe.webhooks.generateTestHeaderString({ payload, secret }),
      ).expect(400);
      expect(res.body.error_code).toBe('WEBHOOK_PAYLOAD_INVALID');
    });

    it('verifies a large payload byte for byte', async () => {
      const event = JSON.parse(withNewId(await realEvent())) as Stripe.Event & { padding?: string };
      event.padding = 'x'.repeat(300 * 1024);
      const payload = JSON.stringify(event);
      await post(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret })).expect(
        200,
      );
    });

    it('ignores (200) event types it does not handle', async () => {
      const payload = JSON.stringify({
        ...(await realEvent()),
        id: 'evt_test_ignored_type',
        type: 'balance.available',
      });
      await post(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret })).expect(
        200,
      );
      const row = await t.prisma.webhookEvent.findUniqueOrThrow({
        where: { stripeEventId: 'evt_test_ignored_type' },
      });
      expect(row.status).toBe('IGNORED');
    });
  });

  describe('exactly once', () => {
    it('applies the same event delivered 10 times concurrently once', async () => {
      const payload = withNewId(await realEvent('price.created'));
      const id = (JSON.parse(payload) as { id: string }).id;
      const responses = await Promise.all(
        Array.from({ length: 10 }, () =>
          post(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret })),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
      expect(responses.filter((r) => r.body.duplicate !== true)).toHaveLength(1);
      expect(await ledgerCount(id)).toBe(1);
      const row = await t.prisma.webhookEvent.findUniqueOrThrow({ where: { stripeEventId: id } });
      expect(row.status).toBe('PROCESSED');
    });
  });

  it('answers 9 of 10 concurrent deliveries of an event it does not apply as duplicates', async () => {
    const event = JSON.parse(withNewId(await realEvent('price.created'))) as Stripe.Event;
    const payload = JSON.stringify({ ...event, type: 'payment_intent.created' });
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        post(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret })),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(responses.filter((r) => r.body.duplicate !== true)).toHaveLength(1);
    const row = await t.prisma.webhookEvent.findUniqueOrThrow({
      where: { stripeEventId: event.id },
    });
    expect(row.status).toBe('IGNORED');
  });

  describe('repeats answered from memory', () => {
    const counter = async (type: string, outcome: string): Promise<number> => {
      const res = await t.http.get('/metrics').expect(200);
      const line = res.text
        .split('\n')
        .find((l) =>
          l.startsWith(`billing_webhook_events_total{type="${type}",outcome="${outcome}"}`),
        );
      return line === undefined ? 0 : Number(line.split(' ').pop());
    };

    it('answers a repeat of an applied event as a duplicate of its type, before parsing it', async () => {
      const event = JSON.parse(withNewId(await realEvent('price.created'))) as Stripe.Event;
      const first = JSON.stringify(event);
      await post(first, Stripe.webhooks.generateTestHeaderString({ payload: first, secret }))
        .expect(200)
        .expect({ received: true });
      const received = await counter('price.created', 'received');
      const duplicates = await counter('price.created', 'duplicate');
      // Stripe's own layout: pretty-printed, the id first.
      const again = JSON.stringify(event, null, 2);
      await post(again, Stripe.webhooks.generateTestHeaderString({ payload: again, secret }))
        .expect(200)
        .expect({ received: true, duplicate: true });
      expect(await counter('price.created', 'duplicate')).toBe(duplicates + 1);
      expect(await counter('price.created', 'received')).toBe(received);
      expect(await ledgerCount(event.id)).toBe(1);
    });

    it('parses a signed repeat that does not start as JSON does, and refuses it', async () => {
      const payload = withNewId(await realEvent('price.created'));
      await post(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret })).expect(
        200,
      );
      const marked = `\ufeff${payload}`;
      const res = await post(
        marked,
        Stripe.webhooks.generateTestHeaderString({ payload: marked, secret }),
      ).expect(400);
      expect(res.body.error_code).toBe('WEBHOOK_PAYLOAD_INVALID');
    });

    it('still refuses a repeat whose signature does not match', async () => {
      const payload = withNewId(await realEvent('price.created'));
      await post(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret })).expect(
        200,
      );
      const res = await post(
        payload,
        Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_not_ours' }),
      ).expect(400);
      expect(res.body.error_code).toBe('WEBHOOK_SIGNATURE_INVALID');
    });
  });

  describe('effects of a real subscription checkout', () => {
    it('mirrors the subscription, the $0 trial invoice, the customer link and the trial history', async () => {
      const user = newUser();
      const catalog = await t.http
        .get('/api/catalog/products')
        .set(bearer(signToken(user)))
        .expect(200);
      expect(catalog.body.length).toBeGreaterThan(0);
      const account = await t.prisma.account.findFirstOrThrow({ where: { externalId: user.sub } });

      const session = await stripe.checkout.sessions.create({
        mode: 'subscription',
        line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
        client_reference_id: account.id,
        customer_email: user.email,
        metadata: { accountId: account.id },
        subscription_data: { trial_period_days: 7, metadata: { accountId: account.id } },
        success_url: 'http://localhost:5173/billing/success?session_id={CHECKOUT_SESSION_ID}',
        cancel_url: 'http://localhost:5173/billing/cancel',
      });
      await control(t.service, `/checkout/sessions/${session.id}/complete`, {
        card: '4242424242424242',
      });
      await flushWebhooks(t.service);

      const linked = await t.prisma.account.findUniqueOrThrow({ where: { id: account.id } });
      expect(linked.stripeCustomerId).toMatch(/^cus_/);
      expect(linked.hadTrial).toBe(true);
      const current = await t.http
        .get('/api/subscriptions/current')
        .set(bearer(signToken(user)))
        .expect(200);
      expect(current.body.subscription).toMatchObject({
        status: 'trialing',
        priceId: 'price_pro_monthly',
        productName: 'Pro',
        autoRenew: true,
        entitled: true,
      });
      const payments = await t.prisma.payment.findMany({ where: { accountId: account.id } });
      expect(payments).toEqual([
        expect.objectContaining({ type: 'SUBSCRIPTION', status: 'COMPLETED', amount: 0 }),
      ]);
      const sessionRow = await t.prisma.checkoutSession.findUniqueOrThrow({
        where: { stripeId: session.id },
      });
      expect(sessionRow).toMatchObject({
        status: 'complete',
        accountId: account.id,
        mode: 'SUBSCRIPTION',
      });

      const failed = await t.http
        .get('/api/admin/webhook-events?status=FAILED')
        .set('X-Admin-Key', TEST_ADMIN_KEY)
        .expect(200);
      expect(failed.body).toEqual([]);
    });
  });
});
