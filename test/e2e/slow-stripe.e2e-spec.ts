import type Stripe from 'stripe';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, newUser, signToken } from '../support/tokens';

/** Tracks whether a promise has settled, without awaiting it. */
function track<T>(promise: PromiseLike<T>): { settled: () => boolean; result: Promise<T> } {
  let done = false;
  const result = Promise.resolve(promise).finally(() => {
    done = true;
  });
  return { settled: () => done, result };
}

/**
 * Stripe stops answering while checkout, portal and customer creation wait on it. With a pool
 * of ONE connection, any of them holding a connection (a transaction, a lock) across the Stripe
 * call would leave every other request without a connection: DB-only reads and readiness must
 * keep answering while the Stripe call is known to be pending.
 */
describe('a Stripe that does not answer', () => {
  let t: TestService;
  let stripe: Stripe;
  let proxy: TcpProxy | undefined;

  beforeAll(async () => {
    t = await startTestService(
      { DATABASE_POOL_SIZE: '1' },
      {
        connectVia: async (emulator) => {
          proxy = new TcpProxy(emulator);
          return proxy.start();
        },
      },
    );
    stripe = emulatorStripe(t.service);
    await flushWebhooks(t.service);
    // Webhook deliveries apply Stripe state through the sync engine, which is not what this
    // test is about: the emulator keeps them while Stripe is held.
    await control(t.service, '/webhooks/options', { enabled: false });
  });
  afterAll(async () => {
    proxy?.release();
    await control(t.service, '/webhooks/options', { enabled: true }).catch(() => undefined);
    await t?.close();
    await proxy?.close();
  });

  const reader = { user: newUser('reader') };
  const readerAuth = bearer(signToken(reader.user));

  /** DB-only reads, readiness included, all answered while Stripe holds a call. */
  async function readsWhileHeld(pending: () => boolean): Promise<void> {
    const answers = await Promise.all([
      t.http.get('/api/catalog/products'),
      t.http.get('/api/subscriptions/current').set(readerAuth),
      t.http.get('/api/payments').set(readerAuth),
      t.http.get('/api/purchases').set(readerAuth),
      t.http.get('/api/entitlements/chat').set(readerAuth),
      t.http.get('/api/health/ready'),
      t.http.get('/api/health'),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual(Array(answers.length).fill(200));
    expect(answers[5].body.checks.database).toBe('up');
    expect(pending()).toBe(true);
  }

  it('creates the customer and the session with no connection held while Stripe answers', async () => {
    const auth = bearer(signToken(newUser('slow')));
    proxy!.hold();
    const checkout = track(
      t.http.post('/api/checkout/sessions').set(auth).send({ priceId: 'price_pro_monthly' }),
    );
    await proxy!.heldRequests(1, 'POST /v1/customers');
    await readsWhileHeld(() => !checkout.settled());
    proxy!.release();

    // The customer exists now: the next call Stripe holds is the session's creation.
    proxy!.hold();
    await proxy!.heldRequests(1, 'POST /v1/checkout/sessions');
    await readsWhileHeld(() => !checkout.settled());
    proxy!.release();
    const created = await checkout.result;
    expect(created.status).toBe(201);

    // The return page: the session is refreshed from Stripe with nothing held either.
    proxy!.hold();
    const sessionId = created.body.sessionId as string;
    const status = track(t.http.get(`/api/checkout/sessions/${sessionId}`).set(auth));
    await proxy!.heldRequests(1, `GET /v1/checkout/sessions/${sessionId}`);
    await readsWhileHeld(() => !status.settled());
    proxy!.release();
    expect((await status.result).status).toBe(200);
  });

  it('opens the portal with nothing held while Stripe answers', async () => {
    const user = newUser('portal');
    const auth = bearer(signToken(user));
    await t.http
      .post('/api/checkout/sessions')
      .set(auth)
      .send({ priceId: 'price_credits_1000' })
      .expect(201);
    proxy!.hold();
    const portal = track(t.http.post('/api/portal/sessions').set(auth).send({}));
    await proxy!.heldRequests(1, 'POST /v1/billing_portal/sessions');
    await readsWhileHeld(() => !portal.settled());
    proxy!.release();
    expect((await portal.result).status).toBe(200);
  });

  it('keeps serving while several accounts wait on Stripe at once', async () => {
    const buyers = Array.from({ length: 4 }, () => bearer(signToken(newUser('many'))));
    proxy!.hold();
    const checkouts = buyers.map((auth) =>
      track(
        t.http.post('/api/checkout/sessions').set(auth).send({ priceId: 'price_starter_monthly' }),
      ),
    );
    await proxy!.heldRequests(buyers.length, 'POST /v1/customers');
    await readsWhileHeld(() => checkouts.every((checkout) => !checkout.settled()));
    proxy!.release();
    for (const checkout of checkouts) expect((await checkout.result).status).toBe(201);
    // Each account got its own customer, once.
    const customers = await stripe.customers.list({ limit: 100 });
    const owners = customers.data.map((customer) => customer.metadata.accountId);
    expect(new Set(owners).size).toBe(owners.length);
  });

  it('answers readiness from a cached Stripe status: no Stripe call per request, 200 while Stripe is out', async () => {
    const probes = () => proxy!.count('GET /v1/products');
    const before = probes();
    for (let i = 0; i < 30; i += 1) {
      const ready = await t.http.get('/api/health/ready').expect(200);
      expect(ready.body.checks.database).toBe('up');
    }
    // At most one background probe per 30 s, however many readiness requests.
    expect(probes() - before).toBeLessThanOrEqual(1);

    proxy!.down();
    try {
      for (let i = 0; i < 5; i += 1) await t.http.get('/api/health/ready').expect(200);
    } finally {
      proxy!.restore();
    }
  });
});
