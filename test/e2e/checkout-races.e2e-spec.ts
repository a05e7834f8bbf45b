import type Stripe from 'stripe';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, newUser, signToken } from '../support/tokens';

/**
 * DESIGN §3: two tabs (or a double click, or ten) can never both be paid. Parallel first
 * checkouts of one account end with exactly one payable session at Stripe and, once paid, one
 * subscription or one lifetime purchase.
 */
describe('parallel checkouts of one account', () => {
  let t: TestService;
  let stripe: Stripe;

  beforeAll(async () => {
    t = await startTestService();
    stripe = emulatorStripe(t.service);
    await flushWebhooks(t.service);
  });
  afterAll(async () => {
    await t?.close();
  });

  function buyer() {
    const user = newUser('race');
    const auth = bearer(signToken(user));
    return { user, auth };
  }

  const checkout = (auth: Record<string, string>, body: Record<string, unknown>) =>
    t.http.post('/api/checkout/sessions').set(auth).send(body);

  async function customerOf(sub: string): Promise<string> {
    const account = await t.prisma.account.findFirstOrThrow({ where: { externalId: sub } });
    expect(account.stripeCustomerId).not.toBeNull();
    return account.stripeCustomerId as string;
  }

  /** The account's sessions a buyer could still pay, as Stripe (the emulator) sees them. */
  async function payableSessions(customer: string): Promise<Stripe.Checkout.Session[]> {
    const { data } = await stripe.checkout.sessions.list({
      customer,
      status: 'open',
      limit: 100,
    });
    return data;
  }

  async function pay(sessionId: string): Promise<void> {
    await control(t.service, `/checkout/sessions/${sessionId}/complete`, {
      card: '4242424242424242',
    });
    await flushWebhooks(t.service);
  }

  it.each([2, 10])(
    '%i parallel first subscription checkouts share one session, and paying it makes one subscription',
    async (parallel) => {
      const { user, auth } = buyer();
      const answers = await Promise.all(
        Array.from({ length: parallel }, () => checkout(auth, { priceId: 'price_pro_monthly' })),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array(parallel).fill(201));
      const sessionIds = new Set(answers.map((answer) => answer.body.sessionId as string));
      expect(sessionIds.size).toBe(1);
      const customer = await customerOf(user.sub);
      const payable = await payableSessions(customer);
      expect(payable.map((session) => session.id)).toEqual([...sessionIds]);
      // Every creation attempt at Stripe was the same one (one customer, one session in all).
      expect((await stripe.customers.list({ email: user.email, limit: 100 })).data).toHaveLength(1);
      expect(
        (await stripe.checkout.sessions.list({ customer, limit: 100 })).data.map((s) => s.id),
      ).toEqual([...sessionIds]);

      await pay([...sessionIds][0]);
      const subscriptions = await t.http.get('/api/subscriptions').set(auth).expect(200);
      expect(subscriptions.body).toHaveLength(1);
      // One trial, on the one subscription.
      expect(subscriptions.body[0].status).toBe('trialing');
      expect(await payableSessions(customer)).toEqual([]);
      const again = await checkout(auth, { priceId: 'price_pro_monthly' });
      expect(again.status).toBe(409);
      expect(again.body.error_code).toBe('SUBSCRIPTION_ALREADY_ACTIVE');
    },
  );

  it.each([2, 10])(
    '%i parallel lifetime checkouts share one session, and paying it makes one purchase',
    async (parallel) => {
      const { user, auth } = buyer();
      const answers = await Promise.all(
        Array.from({ length: parallel }, () => checkout(auth, { priceId: 'price_lifetime' })),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array(parallel).fill(201));
      const sessionIds = new Set(answers.map((answer) => answer.body.sessionId as string));
      expect(sessionIds.size).toBe(1);
      const customer = await customerOf(user.sub);
      expect((await payableSessions(customer)).map((session) => session.id)).toEqual([
        ...sessionIds,
      ]);

      await pay([...sessionIds][0]);
      const purchases = await t.http.get('/api/purchases').set(auth).expect(200);
      expect(purchases.body).toHaveLength(1);
      expect(purchases.body[0]).toMatchObject({ productId: 'prod_lifetime', lifetime: true });
      const again = await checkout(auth, { priceId: 'price_lifetime' });
      expect(again.status).toBe(409);
      expect(again.body.error_code).toBe('ALREADY_PURCHASED');
    },
  );

  it('leaves one payable session when parallel tabs ask for different plans', async () => {
    const { user, auth } = buyer();
    const prices = ['price_pro_monthly', 'price_starter_monthly', 'price_pro_yearly'];
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => checkout(auth, { priceId: prices[i % prices.length] })),
    );
    for (const answer of answers) {
      // Each request got a session, or was told another checkout is being made — or, against a
      // hostile Stripe (rate limits, injected 5xx), that Stripe is unavailable. Never two payable.
      expect([201, 409, 502]).toContain(answer.status);
      if (answer.status === 409) expect(answer.body.error_code).toBe('CHECKOUT_IN_PROGRESS');
      if (answer.status === 502) expect(answer.body.error_code).toBe('STRIPE_UNAVAILABLE');
    }
    const customer = await customerOf(user.sub);
    const payable = await payableSessions(customer);
    expect(payable).toHaveLength(1);
    const handedOut = answers.filter((answer) => answer.status === 201);
    expect(handedOut.length).toBeGreaterThan(0);
    // Every other session handed out was expired at Stripe: it cannot be paid.
    for (const answer of handedOut) {
      const session = await stripe.checkout.sessions.retrieve(answer.body.sessionId as string);
      expect(session.status).toBe(session.id === payable[0].id ? 'open' : 'expired');
    }
    await pay(payable[0].id);
    expect((await t.http.get('/api/subscriptions').set(auth).expect(200)).body).toHaveLength(1);
  });

  it('lets a subscription and a lifetime plan be checked out side by side', async () => {
    const { user, auth } = buyer();
    const [subscription, lifetime] = await Promise.all([
      checkout(auth, { priceId: 'price_pro_monthly' }),
      checkout(auth, { priceId: 'price_lifetime' }),
    ]);
    expect([subscription.status, lifetime.status]).toEqual([201, 201]);
    expect(subscription.body.sessionId).not.toBe(lifetime.body.sessionId);
    expect(await payableSessions(await customerOf(user.sub))).toHaveLength(2);
  });

  it('keeps one open subscription checkout per organisation across its billing admins', async () => {
    const org = `org_${Math.random().toString(36).slice(2, 10)}`;
    const admins = ['owner', 'admin'].map((role) =>
      bearer(signToken({ ...newUser('org-admin'), org_id: org, org_role: role })),
    );
    const answers = await Promise.all(
      admins.map((auth) => checkout(auth, { priceId: 'price_pro_monthly' })),
    );
    expect(answers.map((answer) => answer.status)).toEqual([201, 201]);
    expect(answers[0].body.sessionId).toBe(answers[1].body.sessionId);
  });
});
