import { Client } from 'pg';
import { expectEnvelope } from '../support/envelope';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, newUser, signToken, TEST_ADMIN_KEY } from '../support/tokens';

describe('foundation (HTTP, errors, auth, catalog, health, docs)', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService({ BODY_LIMIT: '2kb' });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('health and docs', () => {
    it('answers liveness and readiness', async () => {
      const live = await t.http.get('/api/health').expect(200);
      expect(live.body).toMatchObject({ status: 'ok', mode: 'sandbox' });
      const ready = await t.http.get('/api/health/ready').expect(200);
      expect(ready.body).toMatchObject({ status: 'ready', checks: { database: 'up' } });
      // Stripe's status comes from a background probe: known shortly after start, never awaited.
      let checks = ready.body.checks as { stripe: string; stripeCheckedAt: string | null };
      while (checks.stripe !== 'up') {
        expect(checks.stripe).toBe('unknown');
        await new Promise((resolve) => setTimeout(resolve, 50));
        checks = (await t.http.get('/api/health/ready').expect(200)).body.checks;
      }
      expect(new Date(checks.stripeCheckedAt as string).getTime()).toBeLessThanOrEqual(Date.now());
    });

    it('serves Swagger UI and the OpenAPI document with routes, auth schemes and error codes', async () => {
      const ui = await t.http.get('/docs').expect(200);
      expect(ui.text).toContain('swagger');
      const doc = await t.http.get('/docs-json').expect(200);
      expect(Object.keys(doc.body.paths)).toEqual(
        expect.arrayContaining([
          '/api/catalog/products',
          '/api/catalog/prices/{id}',
          '/api/health',
          '/api/config',
        ]),
      );
      expect(doc.body.components.securitySchemes).toHaveProperty('bearer');
      expect(doc.body.components.schemas.ErrorEnvelope.properties.error_code.enum).toEqual(
        expect.arrayContaining([
          'VALIDATION_FAILED',
          'SUBSCRIPTION_ALREADY_ACTIVE',
          'STRIPE_UNAVAILABLE',
        ]),
      );
    });

    it('gives a frontend its start-up configuration', async () => {
      const res = await t.http.get('/api/config').expect(200);
      expect(res.body).toEqual({
        mode: 'sandbox',
        publishableKey: 'pk_test_sandbox',
        trialDays: 7,
        defaultPriceId: 'price_pro_monthly',
        currency: 'usd',
        // Sandbox mode: the emulator's offline Stripe.js, for embedded checkout.
        stripeJsUrl: `${t.service.sandbox?.url}/v3/`,
      });
    });
  });

  describe('errors', () => {
    it('answers unknown routes with the envelope and a request id header', async () => {
      const res = await t.http.get('/api/nope').expect(404);
      expectEnvelope(res.body, 404, 'ROUTE_NOT_FOUND');
      expect(res.headers['x-request-id']).toBe(res.body.requestId);
    });

    it('keeps a sane caller request id', async () => {
      const res = await t.http.get('/api/nope').set('X-Request-Id', 'trace-123').expect(404);
      expect(res.body.requestId).toBe('trace-123');
      expect(res.headers['x-request-id']).toBe('trace-123');
    });

    it('refuses malformed JSON with 400', async () => {
      const res = await t.http
        .post('/api/checkout/sessions')
        .set('Content-Type', 'application/json')
        .send('{"priceId": ')
        .expect(400);
      expectEnvelope(res.body, 400, 'MALFORMED_JSON');
    });

    it('refuses a body over BODY_LIMIT with 413', async () => {
      const res = await t.http
        .post('/api/checkout/sessions')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ padding: 'x'.repeat(4096) }))
        .expect(413);
      expectEnvelope(res.body, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('names every failing field and refuses unknown ones', async () => {
      const res = await t.http
        .get('/api/catalog/products?type=weekly&excludeSubscribed=perhaps&color=red')
        .expect(400);
      expectEnvelope(res.body, 400, 'VALIDATION_FAILED');
      const fields = (res.body.details as { field: string }[]).map((d) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['type', 'excludeSubscribed', 'color']));
    });

    it('answers an unknown price with PRICE_NOT_FOUND', async () => {
      const res = await t.http.get('/api/catalog/prices/price_missing').expect(404);
      expectEnvelope(res.body, 404, 'PRICE_NOT_FOUND');
    });

    it('sends security headers and handles CORS preflight for the frontend origin', async () => {
      const res = await t.http
        .options('/api/catalog/products')
        .set('Origin', 'http://localhost:5173')
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'authorization');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
      const other = await t.http.get('/api/health').set('Origin', 'https://evil.example');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      expect(other.headers['x-content-type-options']).toBe('nosniff');
      expect(other.headers['x-powered-by']).toBeUndefined();
    });
  });

  describe('catalog', () => {
    it('lists the seeded plans with features and period types, cheapest recurring first', async () => {
      const res = await t.http.get('/api/catalog/products').expect(200);
      const names = (res.body as { name: string }[]).map((p) => p.name);
      expect(names).toEqual(['Starter', 'Pro', '1,000 credits', 'Pro Lifetime']);
      const pro = res.body[1];
      expect(pro).toMatchObject({ id: 'prod_pro', features: ['chat', 'rag', 'export'] });
      expect(
        pro.prices.map((p: { id: string; periodType: string }) => [p.id, p.periodType]),
      ).toEqual([
        ['price_pro_monthly', 'MONTHLY'],
        ['price_pro_yearly', 'YEARLY'],
      ]);
      expect(pro).not.toHaveProperty('subscribed');
      expect(pro.prices.map((p: { trialDays: number | null }) => p.trialDays)).toEqual([7, 7]);
      const lifetime = res.body[3];
      expect(lifetime.prices[0]).toMatchObject({
        type: 'one_time',
        periodType: 'ALL_TIME',
        unitAmount: 49900,
      });
      expect(res.body[2].prices[0].periodType).toBe('ONE_TIME');
    });

    it('filters by price type', async () => {
      const recurring = await t.http.get('/api/catalog/products?type=recurring').expect(200);
      expect(recurring.body.map((p: { id: string }) => p.id)).toEqual(['prod_starter', 'prod_pro']);
      const oneTime = await t.http.get('/api/catalog/products?type=one_time').expect(200);
      expect(oneTime.body.map((p: { id: string }) => p.id)).toEqual([
        'prod_credits',
        'prod_lifetime',
      ]);
    });

    it('flags what a caller holds and can hide it', async () => {
      const user = newUser();
      const token = signToken(user);
      const first = await t.http.get('/api/catalog/products').set(bearer(token)).expect(200);
      expect(
        first.body.every(
          (p: { subscribed: boolean; current: boolean }) => !p.subscribed && !p.current,
        ),
      ).toBe(true);

      const account = await t.prisma.account.findFirstOrThrow({ where: { externalId: user.sub } });
      const now = Date.now();
      await t.prisma.subscription.create({
        data: {
          stripeId: `sub_flag_${user.sub}`,
          accountId: account.id,
          stripeCustomerId: `cus_flag_${user.sub}`,
          status: 'active',
          priceId: 'price_pro_monthly',
          productId: 'prod_pro',
          currentPeriodStart: new Date(now),
          currentPeriodEnd: new Date(now + 30 * 86400_000),
          stripeCreatedAt: new Date(now),
          stripeSyncedAt: new Date(now),
        },
      });
      const flagged = await t.http.get('/api/catalog/products').set(bearer(token)).expect(200);
      const pro = flagged.body.find((p: { id: string }) => p.id === 'prod_pro');
      expect(pro).toMatchObject({ subscribed: true, current: true });
      const starter = flagged.body.find((p: { id: string }) => p.id === 'prod_starter');
      expect(starter).toMatchObject({ subscribed: false, current: false });

      // One trial per account: the pricing page no longer offers one.
      expect(pro.prices.map((p: { trialDays: number | null }) => p.trialDays)).toEqual([
        null,
        null,
      ]);
      const pricing = await t.http
        .get('/api/catalog/products?excludeSubscribed=true')
        .set(bearer(token))
        .expect(200);
      expect(pricing.body.map((p: { id: string }) => p.id)).not.toContain('prod_pro');
      expect(pricing.body.map((p: { id: string }) => p.id)).toContain('prod_starter');
    });

    it('returns one price with its product', async () => {
      const res = await t.http.get('/api/catalog/prices/price_pro_yearly').expect(200);
      expect(res.body).toMatchObject({
        id: 'price_pro_yearly',
        type: 'recurring',
        unitAmount: 29000,
        interval: 'year',
        periodType: 'YEARLY',
        product: { id: 'prod_pro', name: 'Pro', features: ['chat', 'rag', 'export'] },
      });
    });
  });

  describe('auth', () => {
    const secured = '/api/subscriptions/current';

    it.each([
      ['no token', () => ({})],
      ['a malformed header', () => ({ Authorization: 'Token abc' })],
      [
        'a bad signature',
        () => bearer(signToken(newUser(), { secret: 'another-secret-another-secret-1234' })),
      ],
      ['an expired token', () => bearer(signToken(newUser(), { expiresIn: -60 }))],
      ['a token not yet valid', () => bearer(signToken(newUser(), { notBefore: 3600 }))],
      ['a token without sub', () => bearer(signToken({ email: 'a@b.c' }))],
      [
        'alg none',
        () => {
          const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
          return {
            Authorization: `Bearer ${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: 'u1' })}.`,
          };
        },
      ],
    ])('refuses %s with 401 in the envelope', async (_, headers) => {
      const res = await t.http.get(secured).set(headers()).expect(401);
      expectEnvelope(res.body, 401, 'UNAUTHENTICATED');
    });

    it('verifies a token sent to a public route', async () => {
      const res = await t.http
        .get('/api/catalog/products')
        .set(bearer(signToken(newUser(), { secret: 'another-secret-another-secret-1234' })))
        .expect(401);
      expectEnvelope(res.body, 401, 'UNAUTHENTICATED');
    });

    it('keeps admin routes to admins or the admin key', async () => {
      const member = await t.http
        .get('/api/admin/webhook-events')
        .set(bearer(signToken(newUser())))
        .expect(403);
      expectEnvelope(member.body, 403, 'ADMIN_REQUIRED');
      const wrongKey = await t.http
        .get('/api/admin/webhook-events')
        .set('X-Admin-Key', 'wrong-key-wrong-key-wrong')
        .expect(401);
      expectEnvelope(wrongKey.body, 401, 'UNAUTHENTICATED');
      await t.http.get('/api/admin/webhook-events').set('X-Admin-Key', TEST_ADMIN_KEY).expect(200);
      await t.http
        .get('/api/admin/webhook-events')
        .set(bearer(signToken({ ...newUser(), roles: ['billing:admin'] })))
        .expect(200);
    });

    it('refuses a mutating route to an organisation member without a billing role', async () => {
      const user = newUser();
      const member = signToken({ ...user, org_id: `org_${user.sub}`, org_role: 'member' });
      const res = await t.http
        .post('/api/portal/sessions')
        .set(bearer(member))
        .send({})
        .expect(403);
      expectEnvelope(res.body, 403, 'BILLING_ROLE_REQUIRED');
      // The same member may read, and an owner passes the role check (and meets the next rule).
      await t.http.get('/api/subscriptions/current').set(bearer(member)).expect(200);
      const owner = signToken({ ...user, org_id: `org_${user.sub}`, org_role: 'owner' });
      const next = await t.http
        .post('/api/portal/sessions')
        .set(bearer(owner))
        .send({})
        .expect(409);
      expectEnvelope(next.body, 409, 'NO_BILLING_CUSTOMER');
    });

    it('resolves an organisation account apart from the member’s personal one', async () => {
      const user = newUser();
      await t.http
        .get('/api/catalog/products')
        .set(bearer(signToken(user)))
        .expect(200);
      await t.http
        .get('/api/catalog/products')
        .set(bearer(signToken({ ...user, org_id: `org_${user.sub}`, org_role: 'member' })))
        .expect(200);
      const accounts = await t.prisma.account.findMany({
        where: { externalId: { in: [user.sub, `org_${user.sub}`] } },
        orderBy: { kind: 'asc' },
      });
      expect(accounts.map((a) => [a.kind, a.externalId])).toEqual([
        ['USER', user.sub],
        ['ORGANIZATION', `org_${user.sub}`],
      ]);
      expect(accounts[1].email).toBeNull();
    });
  });

  describe('readiness when the database goes away', () => {
    it('fails readiness with 503 while the database refuses connections, then recovers', async () => {
      const name = new URL(t.databaseUrl).pathname.slice(1);
      const admin = new Client({
        connectionString: t.databaseUrl.replace(`/${name}`, '/postgres'),
      });
      await admin.connect();
      try {
        await admin.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
          [name],
        );
        const down = await t.http.get('/api/health/ready').expect(503);
        expectEnvelope(down.body, 503, 'SERVICE_UNAVAILABLE');
        await t.http.get('/api/health').expect(200);
      } finally {
        await admin.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
        await admin.end();
      }
      await t.http.get('/api/health/ready').expect(200);
    });
  });
});

describe('throttling', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService({ THROTTLE_LIMIT: '3', THROTTLE_TTL_SECONDS: '60' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 429 with Retry-After past the limit', async () => {
    for (let i = 0; i < 3; i += 1) await t.http.get('/api/catalog/products').expect(200);
    const res = await t.http.get('/api/catalog/products').expect(429);
    expectEnvelope(res.body, 429, 'TOO_MANY_REQUESTS');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('metrics behind METRICS_TOKEN', () => {
  let t: TestService;
  const token = 'metrics-token-for-the-suite-0123456789';

  beforeAll(async () => {
    t = await startTestService({ METRICS_TOKEN: token });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves Prometheus text to the bearer of the metrics token only', async () => {
    const ok = await t.http.get('/metrics').set('Authorization', `Bearer ${token}`).expect(200);
    expect(ok.text).toContain('billing_webhook_events_total');
    await t.http.get('/metrics').expect(401);
    await t.http.get('/metrics').set('Authorization', 'Bearer wrong').expect(401);
  });
});
