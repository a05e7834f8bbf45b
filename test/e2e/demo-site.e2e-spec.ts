import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import supertest from 'supertest';
import { startService } from '../../src/boot';
import { loadConfig } from '../../src/config/app-config';
import { createTestDatabase } from '../support/test-database';
import { startTestService, type TestService } from '../support/test-service';
import { TEST_JWT_SECRET, bearer } from '../support/tokens';

const INDEX = '<!doctype html><html lang="en"><title>Demo</title><div id="root"></div></html>';

/** A stand-in for the built demo (web/dist): an index page and one hashed asset. */
async function builtDemo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'demo-site-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), INDEX);
  await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log("demo")');
  return dir;
}

describe('sandbox mode: the demo at /, and its sign-in', () => {
  let t: TestService;
  let demoDir: string;

  beforeAll(async () => {
    demoDir = await builtDemo();
    t = await startTestService({}, { demoDir });
  });
  afterAll(async () => {
    await t.close();
    await rm(demoDir, { recursive: true, force: true });
  });

  it('serves the demo to a browser at / and at any page path, with a policy naming Stripe.js', async () => {
    for (const path of ['/', '/pricing', '/billing/success?session_id=cs_test_1']) {
      const page = await t.http.get(path).set('Accept', 'text/html,*/*').expect(200);
      expect(page.text).toBe(INDEX);
      expect(page.headers['content-security-policy']).toContain(
        `script-src 'self' ${t.service.sandbox?.url}`,
      );
      expect(page.headers['content-security-policy']).toContain(
        `frame-src ${t.service.sandbox?.url}`,
      );
    }
    const asset = await t.http.get('/assets/index-abc123.js').expect(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    await t.http.head('/account').set('Accept', 'text/html').expect(200);
  });

  it('leaves the API, the docs and requests that are not page loads to the service', async () => {
    const api = await t.http.get('/api/nothing-here').set('Accept', 'text/html').expect(404);
    expect(api.body).toMatchObject({ success: false, error_code: 'ROUTE_NOT_FOUND' });
    // Not a browser's page load: not the demo's (the error is the platform's not-found answer).
    const notABrowser = await t.http.get('/pricing').set('Accept', 'application/json').expect(404);
    expect(notABrowser.text).not.toBe(INDEX);
    const post = await t.http.post('/pricing').set('Accept', 'text/html').send({}).expect(404);
    expect(post.text).not.toBe(INDEX);
    const docs = await t.http.get('/docs').set('Accept', 'text/html').expect(200);
    expect(docs.text).toContain('swagger');
    await t.http.get('/api/health').set('Accept', 'text/html').expect(200);
  });

  it('signs in a user or an organisation member with a role, with the configured claims', async () => {
    const user = await t.http
      .post('/api/sandbox/sign-in')
      .send({ userId: 'user_demo_1', email: 'demo1@example.test' })
      .expect(201);
    const claims = jwt.verify(user.body.token, TEST_JWT_SECRET) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: 'user_demo_1', email: 'demo1@example.test' });
    expect(new Date(user.body.expiresAt).getTime()).toBe((claims.exp as number) * 1000);
    const mine = await t.http.get('/api/account').set(bearer(user.body.token)).expect(200);
    expect(mine.body).toMatchObject({
      kind: 'USER',
      userId: 'user_demo_1',
      canManageBilling: true,
    });

    const member = await t.http
      .post('/api/sandbox/sign-in')
      .send({ userId: 'user_demo_2', orgId: 'org_demo', role: 'member' })
      .expect(201);
    const view = await t.http.get('/api/account').set(bearer(member.body.token)).expect(200);
    expect(view.body).toMatchObject({
      kind: 'ORGANIZATION',
      orgId: 'org_demo',
      orgRole: 'member',
      canManageBilling: false,
    });
    await t.http
      .post('/api/portal/sessions')
      .set(bearer(member.body.token))
      .send({})
      .expect(403)
      .expect(({ body }) => expect(body.error_code).toBe('BILLING_ROLE_REQUIRED'));
    const owner = await t.http
      .post('/api/sandbox/sign-in')
      .send({ userId: 'user_demo_3', orgId: 'org_demo', role: 'owner' })
      .expect(201);
    const ownerView = await t.http.get('/api/account').set(bearer(owner.body.token)).expect(200);
    expect(ownerView.body).toMatchObject({
      accountId: view.body.accountId,
      canManageBilling: true,
    });
  });

  it("answers a new account's first requests, sent together as a page does, with one account", async () => {
    for (const identity of [
      { userId: 'user_parallel_1' },
      { userId: 'user_parallel_2', orgId: 'org_parallel', role: 'member' },
    ]) {
      const { token } = (await t.http.post('/api/sandbox/sign-in').send(identity).expect(201))
        .body as { token: string };
      const paths = ['/api/account', '/api/subscriptions/current', '/api/entitlements'];
      const answers = await Promise.all(
        [...paths, ...paths, ...paths].map((path) => t.http.get(path).set(bearer(token))),
      );
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
      const externalId = identity.orgId ?? identity.userId;
      expect(await t.prisma.account.count({ where: { externalId } })).toBe(1);
    }
  });

  it('refuses sign-in input it cannot vouch for, and never grants the admin role', async () => {
    for (const [body, field] of [
      [{}, 'userId'],
      [{ userId: 'has space' }, 'userId'],
      [{ userId: 'u1', role: 'owner' }, 'orgId'],
      [{ userId: 'u1', orgId: 'org_1' }, 'role'],
      [{ userId: 'u1', email: 'not-an-email' }, 'email'],
      [{ userId: 'u1', roles: ['billing:admin'] }, 'roles'],
    ] as const) {
      const refused = await t.http.post('/api/sandbox/sign-in').send(body).expect(400);
      expect(refused.body.error_code).toBe('VALIDATION_FAILED');
      expect(refused.body.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    const token = (
      await t.http.post('/api/sandbox/sign-in').send({ userId: 'user_demo_4' }).expect(201)
    ).body.token as string;
    await t.http.get('/api/admin/webhook-events').set(bearer(token)).expect(403);
  });
});

describe('stripe mode: no demo and no sandbox sign-in', () => {
  it('has neither: both are unknown routes', async () => {
    const database = await createTestDatabase();
    const demoDir = await builtDemo();
    const service = await startService(
      loadConfig({
        STRIPE_SECRET_KEY: 'sk_test_not_called',
        STRIPE_WEBHOOK_SECRETS: 'whsec_not_used',
        JWT_SECRET: TEST_JWT_SECRET,
        DATABASE_URL: database.url,
        FRONTEND_URL: 'https://app.example.test',
        SYNC_ON_START: 'false',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
      }),
      { log: () => undefined, database, demoDir },
    );
    try {
      const http = supertest(service.app.getHttpServer());
      const signIn = await http.post('/api/sandbox/sign-in').send({ userId: 'u1' }).expect(404);
      expect(signIn.body.error_code).toBe('ROUTE_NOT_FOUND');
      const home = await http.get('/').set('Accept', 'text/html').expect(404);
      expect(home.text).not.toBe(INDEX);
      const config = await http.get('/api/config').expect(200);
      expect(config.body.stripeJsUrl).toBe('https://js.stripe.com/v3/');
    } finally {
      await service.close();
      await rm(demoDir, { recursive: true, force: true });
    }
  });
});
