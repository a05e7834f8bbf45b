import type Stripe from 'stripe';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, newUser, signToken } from '../support/tokens';

const DAY = 86_400;

describe('billing flows through the API, the emulator and PostgreSQL', () => {
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

  const buyer = () => {
    const user = newUser('buyer');
    return { user, auth: bearer(signToken(user)) };
  };

  async function startCheckout(
    auth: Record<string, string>,
    body: Record<string, unknown> = {},
    expected = 201,
  ) {
    const res = await t.http.post('/api/checkout/sessions').set(auth).send(body);
    expect(res.status).toBe(expected);
    return res.body as {
      sessionId: string;
      url?: string;
      clientSecret?: string;
      mode: string;
      error_code?: string;
    };
  }

  async function pay(
    sessionId: string,
    card = '4242424242424242',
    promotionCode?: string,
  ): Promise<void> {
    await control(t.service, `/checkout/sessions/${sessionId}/complete`, {
      card,
      ...(promotionCode ? { promotionCode } : {}),
    });
    await flushWebhooks(t.service);
  }

  async function current(auth: Record<string, string>) {
    return (await t.http.get('/api/subscriptions/current').set(auth).expect(200)).body
      .subscription as Record<string, unknown> | null;
  }

  describe('a first subscription', () => {
    it('starts a trial once, refuses a second checkout, and gives no second trial after cancelling', async () => {
      const { auth } = buyer();
      const started = await startCheckout(auth);
      expect(started).toMatchObject({ mode: 'subscription' });
      expect(started.url).toMatch(/\/checkout\/cs_test_/);

      // The return page may be faster than the webhook: the status is refreshed from Stripe.
      await control(t.service, `/checkout/sessions/${started.sessionId}/complete`, {
        card: '4242424242424242',
      });
      const status = await t.http
        .get(`/api/checkout/sessions/${started.sessionId}`)
        .set(auth)
        .expect(200);
      expect(status.body).toMatchObject({
        status: 'complete',
        // Nothing is charged until the trial ends.
        paymentStatus: 'no_payment_required',
        mode: 'subscription',
      });
      expect(status.body.subscriptionId).toMatch(/^sub_/);
      await flushWebhooks(t.service);

      expect(await current(auth)).toMatchObject({
        status: 'trialing',
        priceId: 'price_pro_monthly',
        entitled: true,
        autoRenew: true,
      });
      const remote = await stripe.subscriptions.retrieve(status.body.subscriptionId as string);
      expect(remote.trial_end! - remote.trial_start!).toBe(7 * DAY);
      expect(remote.metadata.accountId).toBeDefined();

      const again = await startCheckout(auth, {}, 409);
      expect(again.error_code).toBe('SUBSCRIPTION_ALREADY_ACTIVE');

      const cancelled = await t.http
        .post('/api/subscriptions/current/cancel')
        .set(auth)
        .send({ atPeriodEnd: false })
        .expect(200);
      expect(cancelled.body.subscription).toMatchObject({
        status: 'canceled',
        entitled: false,
        autoRenew: false,
      });

      const second = await startCheckout(auth, { priceId: 'price_starter_monthly' });
      await pay(second.sessionId);
      const secondStatus = await t.http
        .get(`/api/checkout/sessions/${second.sessionId}`)
        .set(auth)
        .expect(200);
      const noTrial = await stripe.subscriptions.retrieve(
        secondStatus.body.subscriptionId as string,
      );
      expect(noTrial.trial_end).toBeNull();
      expect(noTrial.status).toBe('active');
      expect(await current(auth)).toMatchObject({
        status: 'active',
        priceId: 'price_starter_monthly',
      });
      const all = await t.http.get('/api/subscriptions').set(auth).expect(200);
      expect(all.body.map((s: { status: string }) => s.status)).toEqual(['active', 'canceled']);
    });

    it('applies a promotion code, refuses an unknown one, and returns a client secret in embedded mode', async () => {
      const { auth } = buyer();
      const invalid = await startCheckout(auth, { promotionCode: 'NOPE' }, 400);
      expect(invalid.error_code).toBe('PROMOTION_CODE_INVALID');

      const embedded = await startCheckout(auth, { uiMode: 'embedded' });
      expect(embedded.clientSecret).toEqual(expect.any(String));
      expect(embedded.url).toBeUndefined();

      const discounted = await startCheckout(auth, {
        priceId: 'price_pro_yearly',
        promotionCode: 'WELCOME10',
      });
      const session = await stripe.checkout.sessions.retrieve(discounted.sessionId);
      expect(session.discounts?.[0]?.promotion_code).toBeTruthy();
    });

    it('expires an abandoned checkout into the history', async () => {
      const { user, auth } = buyer();
      const started = await startCheckout(auth, { priceId: 'price_credits_1000' });
      expect(started.mode).toBe('payment');
      await stripe.checkout.sessions.expire(started.sessionId);
      await flushWebhooks(t.service);
      const status = await t.http
        .get(`/api/checkout/sessions/${started.sessionId}`)
        .set(auth)
        .expect(200);
      expect(status.body).toMatchObject({ status: 'expired', mode: 'payment' });
      const account = await t.prisma.account.findFirstOrThrow({ where: { externalId: user.sub } });
      const history = await t.prisma.payment.findMany({ where: { accountId: account.id } });
      expect(history).toEqual([
        expect.objectContaining({
          status: 'EXPIRED',
          type: 'ONE_TIME',
          stripeCheckoutSessionId: started.sessionId,
        }),
      ]);
    });
  });

  describe('one-time and lifetime purchases', () => {
    it('sells credits again and again, and a lifetime plan once', async () => {
      const { user, auth } = buyer();
      for (let i = 0; i < 2; i += 1) {
        const credits = await startCheckout(auth, { priceId: 'price_credits_1000' });
        await pay(credits.sessionId);
        const status = await t.http
          .get(`/api/checkout/sessions/${credits.sessionId}`)
          .set(auth)
          .expect(200);
        expect(status.body.purchaseId).toEqual(expect.any(String));
      }
      const lifetime = await startCheckout(auth, { priceId: 'price_lifetime' });
      await pay(lifetime.sessionId);
      const refused = await startCheckout(auth, { priceId: 'price_lifetime' }, 409);
      expect(refused.error_code).toBe('ALREADY_PURCHASED');

      const account = await t.prisma.account.findFirstOrThrow({ where: { externalId: user.sub } });
      const purchases = await t.prisma.purchase.findMany({
        where: { accountId: account.id },
        orderBy: { purchasedAt: 'asc' },
      });
      expect(purchases.map((p) => [p.priceId, p.lifetime, p.status])).toEqual([
        ['price_credits_1000', false, 'ACTIVE'],
        ['price_credits_1000', false, 'ACTIVE'],
        ['price_lifetime', true, 'ACTIVE'],
      ]);
      // Holding a lifetime plan does not stop a subscription checkout; the catalog flags it.
      const catalog = await t.http.get('/api/catalog/products').set(auth).expect(200);
      expect(catalog.body.find((p: { id: string }) => p.id === 'prod_lifetime')).toMatchObject({
        subscribed: true,
      });
    });
  });

  describe('checkouts left open', () => {
    it('expires an earlier open subscription checkout when a new one starts', async () => {
      const { auth } = buyer();
      const first = await startCheckout(auth, { priceId: 'price_starter_monthly' });
      const second = await startCheckout(auth, { priceId: 'price_pro_monthly' });
      expect((await stripe.checkout.sessions.retrieve(first.sessionId)).status).toBe('expired');
      await expect(
        control(t.service, `/checkout/sessions/${first.sessionId}/complete`, {
          card: '4242424242424242',
        }),
      ).rejects.toThrow();
      await pay(second.sessionId);
      const all = await t.http.get('/api/subscriptions').set(auth).expect(200);
      expect(all.body).toHaveLength(1);
      const firstStatus = await t.http
        .get(`/api/checkout/sessions/${first.sessionId}`)
        .set(auth)
        .expect(200);
      expect(firstStatus.body.status).toBe('expired');
    });

    it('grants a lifetime plan bought with a 100 % promotion code, once', async () => {
      const coupon = await stripe.coupons.create({ percent_off: 100, duration: 'once' });
      const code = `FREE${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
      await stripe.promotionCodes.create({
        promotion: { type: 'coupon', coupon: coupon.id },
        code,
      });
      const { auth } = buyer();
      const started = await startCheckout(auth, { priceId: 'price_lifetime', promotionCode: code });
      await pay(started.sessionId);
      const status = await t.http
        .get(`/api/checkout/sessions/${started.sessionId}`)
        .set(auth)
        .expect(200);
      expect(status.body).toMatchObject({
        status: 'complete',
        paymentStatus: 'no_payment_required',
      });
      expect(status.body.purchaseId).toEqual(expect.any(String));
      const entitled = await t.http.get('/api/entitlements/rag').set(auth).expect(200);
      expect(entitled.body).toEqual({ feature: 'rag', entitled: true });
      const again = await startCheckout(auth, { priceId: 'price_lifetime' }, 409);
      expect(again.error_code).toBe('ALREADY_PURCHASED');
    });

    it('replaces a customer Stripe no longer knows instead of failing every checkout', async () => {
      const { user, auth } = buyer();
      const first = await startCheckout(auth, { priceId: 'price_credits_1000' });
      await pay(first.sessionId);
      const account = await t.prisma.account.findFirstOrThrow({ where: { externalId: user.sub } });
      // Deleted at Stripe with no webhook reaching the service.
      await control(t.service, '/webhooks/options', { enabled: false });
      try {
        await stripe.customers.del(account.stripeCustomerId!);
      } finally {
        await control(t.service, '/webhooks/options', { enabled: true });
      }
      const next = await startCheckout(auth, { priceId: 'price_credits_1000' });
      const session = await stripe.checkout.sessions.retrieve(next.sessionId);
      expect(session.customer).not.toBe(account.stripeCustomerId);
      const relinked = await t.prisma.account.findUniqueOrThrow({ where: { id: account.id } });
      expect(relinked.stripeCustomerId).toBe(session.customer);
    });

    it('keeps redirect paths free of a query or fragment', async () => {
      const { auth } = buyer();
      const res = await t.http
        .post('/api/checkout/sessions')
        .set(auth)
        .send({ successPath: '/done?x=1' })
        .expect(400);
      expect(res.body.details[0].field).toBe('successPath');
    });
  });

  describe('cancel, resume and change plan', () => {
    it('cancels at period end, resumes, and cancels again when the period ends', async () => {
      const { auth } = buyer();
      const started = await startCheckout(auth, { priceId: 'price_starter_monthly' });
      await pay(started.sessionId);

      const pending = await t.http
        .post('/api/subscriptions/current/cancel')
        .set(auth)
        .send({})
        .expect(200);
      expect(pending.body.subscription).toMatchObject({
        cancelAtPeriodEnd: true,
        autoRenew: false,
        entitled: true,
      });
      const twice = await t.http
        .post('/api/subscriptions/current/cancel')
        .set(auth)
        .send({})
        .expect(409);
      expect(twice.body.error_code).toBe('SUBSCRIPTION_ALREADY_CANCELED');

      const resumed = await t.http.post('/api/subscriptions/current/resume').set(auth).expect(200);
      expect(resumed.body.subscription).toMatchObject({
        cancelAtPeriodEnd: false,
        autoRenew: true,
      });
      const nothing = await t.http.post('/api/subscriptions/current/resume').set(auth).expect(409);
      expect(nothing.body.error_code).toBe('NOTHING_TO_RESUME');

      await t.http
        .post('/api/subscriptions/current/cancel')
        .set(auth)
        .send({ atPeriodEnd: true })
        .expect(200);
      await control(t.service, '/clock/advance', { seconds: 8 * DAY + 31 * DAY });
      await flushWebhooks(t.service);
      const ended = (await t.http.get('/api/subscriptions').set(auth).expect(200)).body[0];
      expect(ended).toMatchObject({ status: 'canceled', entitled: false });
    });

    it('changes monthly to yearly and Pro to Starter, and refuses the same or a one-time price', async () => {
      const { auth } = buyer();
      const started = await startCheckout(auth, { priceId: 'price_pro_monthly' });
      await pay(started.sessionId);

      const same = await t.http
        .post('/api/subscriptions/current/change')
        .set(auth)
        .send({ priceId: 'price_pro_monthly' })
        .expect(409);
      expect(same.body.error_code).toBe('SAME_PRICE');
      const oneTime = await t.http
        .post('/api/subscriptions/current/change')
        .set(auth)
        .send({ priceId: 'price_credits_1000' })
        .expect(400);
      expect(oneTime.body.error_code).toBe('PRICE_NOT_RECURRING');

      const yearly = await t.http
        .post('/api/subscriptions/current/change')
        .set(auth)
        .send({ priceId: 'price_pro_yearly', prorationBehavior: 'always_invoice' })
        .expect(200);
      expect(yearly.body.subscription).toMatchObject({
        priceId: 'price_pro_yearly',
        periodType: 'YEARLY',
        amount: 29000,
      });

      const starter = await t.http
        .post('/api/subscriptions/current/change')
        .set(auth)
        .send({ priceId: 'price_starter_monthly', prorationBehavior: 'create_prorations' })
        .expect(200);
      expect(starter.body.subscription).toMatchObject({
        priceId: 'price_starter_monthly',
        productName: 'Starter',
      });
      const remote = await stripe.subscriptions.retrieve(starter.body.subscription.id as string);
      expect(remote.items.data[0].price.id).toBe('price_starter_monthly');
    });

    it('answers 404 when there is nothing to cancel', async () => {
      const { auth } = buyer();
      const res = await t.http
        .post('/api/subscriptions/current/cancel')
        .set(auth)
        .send({})
        .expect(404);
      expect(res.body.error_code).toBe('NO_ACTIVE_SUBSCRIPTION');
    });
  });

  describe('portal', () => {
    it('opens the portal, with deep links, once the account has bought', async () => {
      const { auth } = buyer();
      const before = await t.http.post('/api/portal/sessions').set(auth).send({}).expect(409);
      expect(before.body.error_code).toBe('NO_BILLING_CUSTOMER');
      const started = await startCheckout(auth, { priceId: 'price_starter_monthly' });
      await pay(started.sessionId);
      const portal = await t.http
        .post('/api/portal/sessions')
        .set(auth)
        .send({ returnPath: '/account' })
        .expect(200);
      expect(portal.body.url).toMatch(/\/portal\/bps_/);
      const cancelFlow = await t.http
        .post('/api/portal/sessions')
        .set(auth)
        .send({ flow: 'subscription_cancel' })
        .expect(200);
      expect(cancelFlow.body.url).toMatch(/\/portal\//);
      const bad = await t.http
        .post('/api/portal/sessions')
        .set(auth)
        .send({ returnPath: '//evil.example' })
        .expect(400);
      expect(bad.body.details[0].field).toBe('returnPath');
    });
  });

  describe('isolation and organisation roles', () => {
    it("keeps one account out of another's checkout session", async () => {
      const a = buyer();
      const b = buyer();
      const started = await startCheckout(a.auth, { priceId: 'price_credits_1000' });
      const res = await t.http
        .get(`/api/checkout/sessions/${started.sessionId}`)
        .set(b.auth)
        .expect(404);
      expect(res.body.error_code).toBe('CHECKOUT_SESSION_NOT_FOUND');
      expect(await current(b.auth)).toBeNull();
    });

    it('lets members read and only billing admins act for an organisation', async () => {
      const user = newUser('member');
      const org = `org_${user.sub}`;
      const owner = bearer(signToken({ ...newUser('owner'), org_id: org, org_role: 'owner' }));
      const member = bearer(signToken({ ...user, org_id: org, org_role: 'member' }));
      const started = await startCheckout(owner, { priceId: 'price_starter_monthly' });
      await pay(started.sessionId);

      expect(await current(member)).toMatchObject({ status: 'trialing', entitled: true });
      for (const [path, body] of [
        ['/api/checkout/sessions', {}],
        ['/api/subscriptions/current/cancel', {}],
        ['/api/subscriptions/current/change', { priceId: 'price_pro_monthly' }],
        ['/api/portal/sessions', {}],
      ] as const) {
        const res = await t.http.post(path).set(member).send(body).expect(403);
        expect(res.body.error_code).toBe('BILLING_ROLE_REQUIRED');
      }
      // The member's personal account is a different account with nothing bought.
      expect(await current(bearer(signToken(user)))).toBeNull();
    });
  });

  describe('idempotency and concurrency', () => {
    it('replays the first response for the same key and refuses another body', async () => {
      const { user, auth } = buyer();
      const key = `key-${user.sub}`;
      const first = await t.http
        .post('/api/checkout/sessions')
        .set(auth)
        .set('Idempotency-Key', key)
        .send({ priceId: 'price_credits_1000' })
        .expect(201);
      const replay = await t.http
        .post('/api/checkout/sessions')
        .set(auth)
        .set('Idempotency-Key', key)
        .send({ priceId: 'price_credits_1000' })
        .expect(201);
      expect(replay.body).toEqual(first.body);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      const other = await t.http
        .post('/api/checkout/sessions')
        .set(auth)
        .set('Idempotency-Key', key)
        .send({ priceId: 'price_lifetime' })
        .expect(422);
      expect(other.body.error_code).toBe('IDEMPOTENCY_KEY_REUSED');

      const account = await t.prisma.account.findFirstOrThrow({ where: { externalId: user.sub } });
      const sessions = await stripe.checkout.sessions.list({
        customer: account.stripeCustomerId!,
        limit: 100,
      });
      expect(sessions.data).toHaveLength(1);
    });

    it('answers a concurrent duplicate with 409 or the replay, never a second session', async () => {
      const { user, auth } = buyer();
      const key = `race-${user.sub}`;
      const responses = await Promise.all(
        Array.from({ length: 5 }, () =>
          t.http
            .post('/api/checkout/sessions')
            .set(auth)
            .set('Idempotency-Key', key)
            .send({ priceId: 'price_credits_1000' }),
        ),
      );
      const created = responses.filter((r) => r.status === 201);
      const inFlight = responses.filter((r) => r.status === 409);
      expect(created.length + inFlight.length).toBe(5);
      expect(new Set(created.map((r) => r.body.sessionId as string)).size).toBe(1);
      for (const r of inFlight) expect(r.body.error_code).toBe('IDEMPOTENCY_KEY_IN_PROGRESS');
      const account = await t.prisma.account.findFirstOrThrow({ where: { externalId: user.sub } });
      const sessions = await stripe.checkout.sessions.list({
        customer: account.stripeCustomerId!,
        limit: 100,
      });
      expect(sessions.data).toHaveLength(1);
    });

    it('creates exactly one Stripe customer for 20 concurrent first checkouts', async () => {
      const { user, auth } = buyer();
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          t.http.post('/api/checkout/sessions').set(auth).send({ priceId: 'price_credits_1000' }),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
      const customers = await stripe.customers.list({ email: user.email, limit: 100 });
      expect(customers.data).toHaveLength(1);
      const account = await t.prisma.account.findFirstOrThrow({ where: { externalId: user.sub } });
      expect(account.stripeCustomerId).toBe(customers.data[0].id);
    });
  });
});

describe('when Stripe is down', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService({ STRIPE_MAX_NETWORK_RETRIES: '0' });
    await flushWebhooks(t.service);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 502 STRIPE_UNAVAILABLE and writes nothing', async () => {
    const user = newUser('outage');
    const auth = bearer(signToken(user));
    await t.service.sandbox!.emulator!.close();
    const res = await t.http
      .post('/api/checkout/sessions')
      .set(auth)
      .send({ priceId: 'price_credits_1000' })
      .expect(502);
    expect(res.body.error_code).toBe('STRIPE_UNAVAILABLE');
    const account = await t.prisma.account.findFirstOrThrow({ where: { externalId: user.sub } });
    expect(account.stripeCustomerId).toBeNull();
    expect(await t.prisma.checkoutSession.count({ where: { accountId: account.id } })).toBe(0);
    // Readiness stays 200: Stripe is reported from a cached background probe (at most one per
    // 30 s) and never fails it.
    const ready = await t.http.get('/api/health/ready').expect(200);
    expect(ready.body.checks).toMatchObject({ database: 'up' });
    expect(['up', 'down', 'unknown']).toContain(ready.body.checks.stripe);
  });
});
