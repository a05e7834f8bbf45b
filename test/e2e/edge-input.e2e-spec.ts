import { connect } from 'node:net';
import { expectEnvelope } from '../support/envelope';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, newUser, signToken } from '../support/tokens';

/**
 * Bad input at the edge: each gets its 4xx in the envelope, before any route runs, and writes
 * nothing — not even the caller's account row.
 */
describe('input refused at the edge', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A new caller; `rowsOf` then counts what the service wrote for them. */
  function caller(claims: Record<string, unknown> = {}) {
    const user = newUser('edge');
    return { user, auth: bearer(signToken({ ...user, ...claims })) };
  }

  async function rowsOf(sub: string): Promise<number> {
    const accounts = await t.prisma.account.findMany({ where: { externalId: sub } });
    const ids = accounts.map((account) => account.id);
    const sessions = await t.prisma.checkoutSession.count({ where: { accountId: { in: ids } } });
    const keys = await t.prisma.idempotencyRecord.count({ where: { accountId: { in: ids } } });
    const claims = await t.prisma.checkoutClaim.count({ where: { accountId: { in: ids } } });
    return accounts.length + sessions + keys + claims;
  }

  describe('control characters', () => {
    it.each([
      ['a path parameter', '/api/catalog/prices/price%00pro', 'path'],
      ['a path parameter (escape)', '/api/catalog/prices/price%1Bpro', 'path'],
      ['a query value', '/api/catalog/products?type=recurring%00', 'type'],
      ['a query name', '/api/catalog/products?ty%00pe=recurring', 'query'],
    ])('in %s: 400', async (_, url, field) => {
      const res = await t.http.get(url).expect(400);
      expectEnvelope(res.body, 400, 'VALIDATION_FAILED');
      expect(res.body.details).toEqual([{ field, message: 'must not contain control characters' }]);
    });

    it('in an authenticated path or query: 400 and no account row', async () => {
      const { user, auth } = caller();
      await t.http.get('/api/checkout/sessions/cs_%00x').set(auth).expect(400);
      await t.http.get('/api/payments?status=%07').set(auth).expect(400);
      expect(await rowsOf(user.sub)).toBe(0);
    });

    it('refuses malformed percent-encoding with 400', async () => {
      const res = await t.http.get('/api/catalog/prices/%E0%A4%A').expect(400);
      expectEnvelope(res.body, 400, 'VALIDATION_FAILED');
    });

    it.each([
      ['NUL escaped', '{"priceId":"price_pro\\u0000monthly"}'],
      ['a newline escaped', '{"successPath":"/billing\\nSet-Cookie: x"}'],
      ['DEL escaped', '{"promotionCode":"A\\u007fB"}'],
      ['a C1 control in UTF-8', '{"promotionCode":"A\u0085B"}'],
      ['a control character in a key', '{"price\\u0000Id":"price_pro_monthly"}'],
    ])('in a JSON body (%s): 400, nothing written', async (_, body) => {
      const { user, auth } = caller();
      const res = await t.http
        .post('/api/checkout/sessions')
        .set(auth)
        .set('Content-Type', 'application/json')
        .set('Idempotency-Key', `edge-${user.sub}`)
        .send(body)
        .expect(400);
      expectEnvelope(res.body, 400, 'VALIDATION_FAILED');
      expect(res.body.details).toEqual([
        { field: 'body', message: 'must not contain control characters' },
      ]);
      expect(await rowsOf(user.sub)).toBe(0);
    });

    it('keeps escaped text that only looks like a control character', async () => {
      const { auth } = caller();
      // A literal backslash followed by "u0000" is six plain characters, not NUL.
      const res = await t.http
        .post('/api/checkout/sessions')
        .set(auth)
        .set('Content-Type', 'application/json')
        .send('{"priceId":"price_\\\\u0000"}')
        .expect(404);
      expectEnvelope(res.body, 404, 'PRICE_NOT_FOUND');
    });

    it.each([
      ['sub', { sub: 'user\u0000x' }],
      ['email', { email: 'a\u0007@example.test' }],
      ['org_id', { org_id: 'org\u001b', org_role: 'owner' }],
      ['roles', { roles: ['billing:admin\u0000'] }],
    ])('in the token claim %s: 400 and no account row', async (_, claims) => {
      const { user, auth } = caller(claims);
      const res = await t.http.get('/api/subscriptions/current').set(auth).expect(400);
      expectEnvelope(res.body, 400, 'VALIDATION_FAILED');
      expect(res.body.details).toEqual([
        { field: 'Authorization', message: 'token claims must not contain control characters' },
      ]);
      expect(await rowsOf(user.sub)).toBe(0);
      expect(await t.prisma.account.count({ where: { externalId: { contains: '\u001b' } } })).toBe(
        0,
      );
    });

    it('in a header: 400 in the envelope from the HTTP parser itself', async () => {
      const address = t.service.app.getHttpServer().address() as { port: number };
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(address.port, '127.0.0.1');
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString()));
        socket.on('end', () => resolve(received));
        socket.on('error', reject);
        socket.write('GET /api/health HTTP/1.1\r\nHost: x\r\nX-Note: a\u0001b\r\n\r\n');
      });
      expect(raw.startsWith('HTTP/1.1 400 Bad Request')).toBe(true);
      const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
      expectEnvelope(body, 400, 'BAD_REQUEST');
    });
  });

  describe('JSON nesting', () => {
    it('refuses 20,000 levels (40 kB) with 400, not a stack overflow', async () => {
      const { user, auth } = caller();
      const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
      const res = await t.http
        .post('/api/checkout/sessions')
        .set(auth)
        .set('Content-Type', 'application/json')
        .send(deep)
        .expect(400);
      expectEnvelope(res.body, 400, 'VALIDATION_FAILED');
      expect(res.body.details).toEqual([
        { field: 'body', message: 'must not nest deeper than 32 levels' },
      ]);
      expect(await rowsOf(user.sub)).toBe(0);
    });

    it('refuses deep nesting inside a field too', async () => {
      const { auth } = caller();
      const res = await t.http
        .post('/api/portal/sessions')
        .set(auth)
        .set('Content-Type', 'application/json')
        .send(`{"returnPath":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`)
        .expect(400);
      expectEnvelope(res.body, 400, 'VALIDATION_FAILED');
    });
  });

  describe('media types', () => {
    it.each([
      ['text/plain', '{"priceId":"price_pro_monthly"}'],
      ['application/x-www-form-urlencoded', 'priceId=price_pro_monthly'],
      ['multipart/form-data; boundary=x', '--x\r\n\r\n--x--'],
    ])('refuses a %s body with 415 and creates no checkout', async (type, body) => {
      const { user, auth } = caller();
      const res = await t.http
        .post('/api/checkout/sessions')
        .set(auth)
        .set('Content-Type', type)
        .send(body)
        .expect(415);
      expectEnvelope(res.body, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(await rowsOf(user.sub)).toBe(0);
    });

    it('takes a POST without a body, and JSON with a charset or a +json type', async () => {
      const { auth } = caller();
      const portal = await t.http.post('/api/portal/sessions').set(auth).expect(409);
      expect(portal.body.error_code).toBe('NO_BILLING_CUSTOMER');
      await t.http
        .post('/api/checkout/sessions')
        .set(auth)
        .set('Content-Type', 'application/json; charset=utf-8')
        .send('{"priceId":"price_nope"}')
        .expect(404);
      await t.http
        .post('/api/checkout/sessions')
        .set(auth)
        .set('Content-Type', 'application/vnd.api+json')
        .send('{"priceId":"price_nope"}')
        .expect(404);
    });
  });

  describe('methods and unknown routes', () => {
    it.each([
      ['DELETE', '/api/catalog/products', 'GET, HEAD'],
      ['PUT', '/api/catalog/prices/price_pro_monthly', 'GET, HEAD'],
      ['GET', '/api/checkout/sessions', 'POST'],
      ['POST', '/api/health/ready', 'GET, HEAD'],
      ['PATCH', '/metrics', 'GET, HEAD'],
      ['POST', '/docs', 'GET, HEAD'],
    ])('%s %s: 405 with Allow: %s', async (method, path, allow) => {
      const res = await t.http[method.toLowerCase() as 'get'](path).expect(405);
      expect(res.headers.allow).toBe(allow);
      expectEnvelope(res.body, 405, 'METHOD_NOT_ALLOWED');
    });

    it.each(['/nowhere', '/docs/nowhere', '/metrics/nowhere', '/api/nowhere'])(
      'GET %s: 404 in the envelope, inside /api or not',
      async (path) => {
        const res = await t.http.get(path).expect(404);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expectEnvelope(res.body, 404, 'ROUTE_NOT_FOUND');
      },
    );
  });
});

describe('CORS_ORIGINS=*', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService({ CORS_ORIGINS: '*' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('allows any origin, without credentials', async () => {
    const res = await t.http
      .options('/api/catalog/products')
      .set('Origin', 'https://anywhere.example')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    const get = await t.http
      .get('/api/catalog/products')
      .set('Origin', 'https://other.example')
      .expect(200);
    expect(get.headers['access-control-allow-origin']).toBe('*');
  });
});
