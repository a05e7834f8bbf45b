import jwt from 'jsonwebtoken';
import { expectEnvelope } from '../support/envelope';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, newUser, signToken, TEST_ADMIN_KEY, TEST_JWT_SECRET } from '../support/tokens';

const ISSUER = 'https://id.example.test/';
const AUDIENCE = 'billing-api';
const ENTITLEMENTS_KEY = 'entitlements-key-for-the-suite-0123456789';

describe('token lifetime, 401 bodies and service keys', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService({
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_MAX_TOKEN_AGE_SECONDS: '3600',
      ENTITLEMENTS_API_KEY: ENTITLEMENTS_KEY,
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const sign = (claims: object, options: jwt.SignOptions = {}) =>
    jwt.sign(claims, TEST_JWT_SECRET, {
      algorithm: 'HS256',
      issuer: ISSUER,
      audience: AUDIENCE,
      ...options,
    });
  const now = () => Math.floor(Date.now() / 1000);

  it('accepts a token within the limits', async () => {
    await t.http
      .get('/api/subscriptions/current')
      .set(bearer(sign(newUser(), { expiresIn: '30m' })))
      .expect(200);
  });

  it.each([
    ['no exp', () => sign(newUser())],
    ['an exp two days ahead', () => sign(newUser(), { expiresIn: '2d' })],
    ['an iat two hours ago', () => sign({ ...newUser(), iat: now() - 7200, exp: now() + 600 })],
    ['a wrong issuer', () => sign(newUser(), { expiresIn: '5m', issuer: 'https://evil.test/' })],
    ['a wrong audience', () => sign(newUser(), { expiresIn: '5m', audience: 'other-api' })],
    ['an expired token', () => sign(newUser(), { expiresIn: -60 })],
    ['a bad signature', () => signToken(newUser(), { secret: 'x'.repeat(40) })],
  ])('refuses %s with one 401 that says nothing of the verifier', async (_, token) => {
    const res = await t.http.get('/api/subscriptions/current').set(bearer(token())).expect(401);
    expectEnvelope(res.body, 401, 'UNAUTHENTICATED');
    expect(res.body.message).toBe('A valid bearer token is required.');
    expect(res.body.details).toEqual([]);
    const text = JSON.stringify(res.body).toLowerCase();
    for (const secretive of [ISSUER, AUDIENCE, 'jwt', 'expired', 'signature', 'iat', 'exp']) {
      expect(text).not.toContain(secretive.toLowerCase());
    }
  });

  describe('the entitlements key', () => {
    async function accountId(): Promise<string> {
      const user = newUser('svc');
      await t.http
        .get('/api/subscriptions/current')
        .set(bearer(sign(user, { expiresIn: '5m' })))
        .expect(200);
      return (await t.prisma.account.findFirstOrThrow({ where: { externalId: user.sub } })).id;
    }

    it('answers entitlement checks for any account', async () => {
      const id = await accountId();
      const res = await t.http
        .get(`/api/entitlements/chat?accountId=${id}`)
        .set('X-Entitlements-Key', ENTITLEMENTS_KEY)
        .expect(200);
      expect(res.body).toEqual({ feature: 'chat', entitled: false });
      await t.http
        .get('/api/entitlements/chat')
        .set('X-Entitlements-Key', ENTITLEMENTS_KEY)
        .expect(400);
    });

    it.each([
      ['GET', '/api/admin/webhook-events'],
      ['POST', '/api/admin/sync'],
    ])('unlocks no admin route (%s %s): 403', async (method, path) => {
      const res = await t.http[method.toLowerCase() as 'get'](path)
        .set('X-Entitlements-Key', ENTITLEMENTS_KEY)
        .expect(403);
      expectEnvelope(res.body, 403, 'ADMIN_REQUIRED');
    });

    it('refuses a wrong key with 401; the admin key still checks entitlements too', async () => {
      const id = await accountId();
      const wrong = await t.http
        .get(`/api/entitlements/chat?accountId=${id}`)
        .set('X-Entitlements-Key', `${ENTITLEMENTS_KEY}x`)
        .expect(401);
      expectEnvelope(wrong.body, 401, 'UNAUTHENTICATED');
      await t.http
        .get(`/api/entitlements/chat?accountId=${id}`)
        .set('X-Admin-Key', TEST_ADMIN_KEY)
        .expect(200);
    });
  });
});

describe('throttling', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService({
      THROTTLE_LIMIT: '3',
      THROTTLE_SERVICE_LIMIT: '5',
      THROTTLE_WEBHOOK_LIMIT: '2',
      THROTTLE_TTL_SECONDS: '600',
      TRUST_PROXY: '1',
      ENTITLEMENTS_API_KEY: ENTITLEMENTS_KEY,
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A client at its own address (the service trusts one proxy's X-Forwarded-For). */
  let nextAddress = 10;
  const fromNewAddress = () => ({ 'X-Forwarded-For': `203.0.113.${nextAddress++}` });

  it('gives every account its own budget, whatever address it comes from', async () => {
    const proxy = { 'X-Forwarded-For': '198.51.100.1' };
    const a = bearer(signToken(newUser('a')));
    const b = bearer(signToken(newUser('b')));
    for (let i = 0; i < 3; i += 1) {
      await t.http.get('/api/subscriptions/current').set(a).set(proxy).expect(200);
    }
    const limited = await t.http.get('/api/subscriptions/current').set(a).set(proxy).expect(429);
    expectEnvelope(limited.body, 429, 'TOO_MANY_REQUESTS');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The same account from elsewhere is still limited; another account behind the same
    // proxy is not, and neither are anonymous callers there.
    await t.http.get('/api/payments').set(a).set(fromNewAddress()).expect(429);
    await t.http.get('/api/subscriptions/current').set(b).set(proxy).expect(200);
    await t.http.get('/api/catalog/products').set(proxy).expect(200);
  });

  it('shares one budget among an organisation’s members', async () => {
    const org = `org_${Math.random().toString(36).slice(2, 10)}`;
    const members = [1, 2, 3, 4].map(() =>
      bearer(signToken({ ...newUser('member'), org_id: org, org_role: 'member' })),
    );
    for (const member of members.slice(0, 3)) {
      await t.http.get('/api/entitlements').set(member).set(fromNewAddress()).expect(200);
    }
    await t.http.get('/api/entitlements').set(members[3]).set(fromNewAddress()).expect(429);
  });

  it('counts unknown routes, wrong methods and refused tokens against the address', async () => {
    const address = fromNewAddress();
    await t.http.get('/api/nowhere').set(address).expect(404);
    await t.http.delete('/api/catalog/products').set(address).expect(405);
    await t.http
      .get('/api/subscriptions/current')
      .set(address)
      .set(bearer(signToken(newUser(), { secret: 'y'.repeat(40) })))
      .expect(401);
    await t.http.get('/api/health/ready').set(address).expect(429);
    await t.http.get('/nowhere').set(address).expect(429);
  });

  it('gives a service key its own larger budget', async () => {
    const address = fromNewAddress();
    for (let i = 0; i < 5; i += 1) {
      await t.http
        .get('/api/entitlements/chat?accountId=00000000-0000-4000-8000-000000000000')
        .set('X-Entitlements-Key', ENTITLEMENTS_KEY)
        .set(address)
        .expect(404);
    }
    await t.http
      .get('/api/entitlements/chat?accountId=00000000-0000-4000-8000-000000000000')
      .set('X-Entitlements-Key', ENTITLEMENTS_KEY)
      .set(address)
      .expect(429);
    // Apart from the key's budget, the address still has its own.
    await t.http.get('/api/catalog/products').set(address).expect(200);
  });

  it('limits webhook deliveries per address on their own budget, before reading the body', async () => {
    const address = fromNewAddress();
    const deliver = (body: string) =>
      t.http
        .post('/api/webhooks/stripe')
        .set(address)
        .set('Content-Type', 'application/json')
        .set('Stripe-Signature', 't=1,v1=00')
        .send(body);
    expect((await deliver('{}')).status).toBe(400);
    expect((await deliver('{}')).status).toBe(400);
    const limited = await deliver(JSON.stringify({ padding: 'x'.repeat(1_500_000) }));
    expect(limited.status).toBe(429);
    expectEnvelope(limited.body, 429, 'TOO_MANY_REQUESTS');
    // The API budget of that address is untouched.
    await t.http.get('/api/catalog/products').set(address).expect(200);
  });
});
