import { SyncScheduler } from '../../src/sync/resync/sync.scheduler';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { subscribeThroughStripe } from '../support/flows';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, signToken, TEST_ADMIN_KEY } from '../support/tokens';

describe('resync and replay', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService();
    await flushWebhooks(t.service);
  });
  afterAll(async () => {
    await t?.close();
  });

  const admin = { 'X-Admin-Key': TEST_ADMIN_KEY };

  it('repairs deleted and corrupted rows and reports them', async () => {
    const a = await subscribeThroughStripe(t, { trialDays: 7 });
    const invoice = await t.prisma.payment.findFirstOrThrow({
      where: { accountId: a.accountId, stripeInvoiceId: { not: null } },
    });

    await t.prisma.subscription.delete({ where: { stripeId: a.subscriptionId } });
    await t.prisma.payment.update({
      where: { id: invoice.id },
      data: { status: 'FAILED', amount: 12345 },
    });
    await t.prisma.price.update({
      where: { id: 'price_starter_monthly' },
      data: { unitAmount: 1 },
    });
    await t.prisma.product.update({ where: { id: 'prod_credits' }, data: { active: false } });
    const gone = await t.http.get('/api/subscriptions/current').set(bearer(a.token)).expect(200);
    expect(gone.body.subscription).toBeNull();

    const res = await t.http.post('/api/admin/sync').set(admin).expect(200);
    expect(res.body.drift.subscriptions).toEqual([a.subscriptionId]);
    expect(res.body.drift.payments).toContain(invoice.stripeInvoiceId);
    expect(res.body.drift.prices).toEqual(['price_starter_monthly']);
    expect(res.body.drift.products).toEqual(['prod_credits']);
    expect(res.body.driftCount).toBe(4);
    expect(res.body.scanned.subscriptions).toBeGreaterThanOrEqual(1);

    const back = await t.http.get('/api/subscriptions/current').set(bearer(a.token)).expect(200);
    expect(back.body.subscription).toMatchObject({ id: a.subscriptionId, status: 'trialing' });
    const repaired = await t.prisma.payment.findUniqueOrThrow({ where: { id: invoice.id } });
    expect(repaired).toMatchObject({ status: 'COMPLETED', amount: 0 });
    const catalog = await t.http.get('/api/catalog/products').expect(200);
    expect(
      catalog.body.find((p: { id: string }) => p.id === 'prod_starter').prices[0].unitAmount,
    ).toBe(900);
    expect(catalog.body.map((p: { id: string }) => p.id)).toContain('prod_credits');

    // A second run finds nothing more to repair.
    const again = await t.http.post('/api/admin/sync').set(admin).expect(200);
    expect(again.body.driftCount).toBe(0);
    const metrics = await t.http.get('/metrics').expect(200);
    expect(metrics.text).toMatch(/billing_sync_last_success_timestamp_seconds \d/);
  });

  it('catches up on deliveries that never arrived through the Events API', async () => {
    const a = await subscribeThroughStripe(t);
    const stripe = emulatorStripe(t.service);
    const since = new Date(Date.now() - 60_000).toISOString();

    await control(t.service, '/webhooks/options', { enabled: false });
    try {
      await stripe.subscriptions.update(a.subscriptionId, { cancel_at_period_end: true });
      await flushWebhooks(t.service);
      const stale = await t.http.get('/api/subscriptions/current').set(bearer(a.token)).expect(200);
      expect(stale.body.subscription).toMatchObject({ cancelAtPeriodEnd: false, autoRenew: true });

      const res = await t.http
        .post(`/api/admin/events/replay?since=${encodeURIComponent(since)}`)
        .set(admin)
        .expect(200);
      expect(res.body.applied).toBeGreaterThanOrEqual(1);
      const again = await t.http
        .post(`/api/admin/events/replay?since=${encodeURIComponent(since)}`)
        .set(admin)
        .expect(200);
      expect(again.body.applied).toBe(0);
    } finally {
      await control(t.service, '/webhooks/options', { enabled: true });
    }
    const caughtUp = await t.http
      .get('/api/subscriptions/current')
      .set(bearer(a.token))
      .expect(200);
    expect(caughtUp.body.subscription).toMatchObject({
      cancelAtPeriodEnd: true,
      autoRenew: false,
      entitled: true,
    });
  });

  it('re-applies one stored event on request', async () => {
    const events = await t.http
      .get('/api/admin/webhook-events?status=PROCESSED&limit=1')
      .set(admin)
      .expect(200);
    expect(events.body).toHaveLength(1);
    const replayed = await t.http
      .post(`/api/admin/webhook-events/${events.body[0].id}/replay`)
      .set(admin)
      .expect(200);
    expect(replayed.body).toMatchObject({ id: events.body[0].id, status: 'PROCESSED' });
    await t.http.post('/api/admin/webhook-events/evt_missing/replay').set(admin).expect(404);
  });

  it('refuses an invalid replay window', async () => {
    const res = await t.http
      .post('/api/admin/events/replay?since=yesterday')
      .set(admin)
      .expect(400);
    expect(res.body.details[0].field).toBe('since');
  });

  it('shows one account to support', async () => {
    const a = await subscribeThroughStripe(t, { trialDays: 7 });
    const view = await t.http.get(`/api/admin/accounts/${a.accountId}`).set(admin).expect(200);
    expect(view.body.account).toMatchObject({
      id: a.accountId,
      kind: 'USER',
      stripeCustomerId: a.customerId,
      hadTrial: true,
    });
    expect(view.body.subscriptions).toEqual([
      expect.objectContaining({ id: a.subscriptionId, status: 'trialing' }),
    ]);
    expect(view.body.entitlements.features).toEqual(['chat', 'export', 'rag']);
    expect(view.body.recentPayments).toEqual([
      expect.objectContaining({ status: 'COMPLETED', amount: 0 }),
    ]);
    expect(view.body.purchases).toEqual([]);
    await t.http
      .get('/api/admin/accounts/6f1c1f0e-8f9c-4a59-9a43-2d1f8b0f6c11')
      .set(admin)
      .expect(404);
    const malformed = await t.http.get('/api/admin/accounts/not-an-id').set(admin).expect(404);
    expect(malformed.body.error_code).toBe('ACCOUNT_NOT_FOUND');
    await t.http.get(`/api/admin/accounts/${a.accountId}`).set(bearer(a.token)).expect(403);
  });

  it('runs the scheduled resync and purges old ledger rows and expired idempotency keys', async () => {
    const a = await subscribeThroughStripe(t);
    const old = new Date(Date.now() - 31 * 86_400_000);
    await t.prisma.webhookEvent.create({
      data: {
        stripeEventId: 'evt_old_retention',
        type: 'invoice.paid',
        stripeCreatedAt: old,
        receivedAt: old,
        status: 'PROCESSED',
        payload: {},
      },
    });
    await t.prisma.webhookEvent.create({
      data: {
        stripeEventId: 'evt_old_failed',
        type: 'invoice.paid',
        stripeCreatedAt: old,
        receivedAt: old,
        status: 'FAILED',
        payload: {},
      },
    });
    await t.prisma.idempotencyRecord.create({
      data: {
        accountId: a.accountId,
        key: 'expired-key',
        method: 'POST',
        path: '/api/checkout/sessions',
        requestHash: 'x',
        status: 'COMPLETED',
        expiresAt: old,
      },
    });

    await t.service.app.get(SyncScheduler).tick();

    expect(
      await t.prisma.webhookEvent.count({ where: { stripeEventId: 'evt_old_retention' } }),
    ).toBe(0);
    // Failures are kept for people to look at, whatever their age.
    expect(await t.prisma.webhookEvent.count({ where: { stripeEventId: 'evt_old_failed' } })).toBe(
      1,
    );
    expect(await t.prisma.idempotencyRecord.count({ where: { key: 'expired-key' } })).toBe(0);
    const run = await t.prisma.syncRun.findFirstOrThrow({
      where: { trigger: 'schedule' },
      orderBy: { startedAt: 'desc' },
    });
    expect(run.succeeded).toBe(true);
  });

  it('lets a customer deleted in Stripe go, and starts the next checkout with a new one', async () => {
    const a = await subscribeThroughStripe(t);
    const stripe = emulatorStripe(t.service);
    await stripe.customers.del(a.customerId);
    await flushWebhooks(t.service);
    const unlinked = await t.prisma.account.findUniqueOrThrow({ where: { id: a.accountId } });
    expect(unlinked.stripeCustomerId).toBeNull();

    // Late events and a resync name the account in metadata: the deleted customer stays gone.
    await t.http.post('/api/admin/sync').set(admin).expect(200);
    expect(
      (await t.prisma.account.findUniqueOrThrow({ where: { id: a.accountId } })).stripeCustomerId,
    ).toBeNull();

    const next = await t.http
      .post('/api/checkout/sessions')
      .set(bearer(a.token))
      .send({ priceId: 'price_credits_1000' })
      .expect(201);
    const session = await stripe.checkout.sessions.retrieve(next.body.sessionId as string);
    expect(session.customer).not.toBe(a.customerId);
    expect(
      (await t.prisma.account.findUniqueOrThrow({ where: { id: a.accountId } })).stripeCustomerId,
    ).toBe(session.customer);
  });

  it('keeps ops routes to admins', async () => {
    await t.http
      .post('/api/admin/sync')
      .set(bearer(signToken({ sub: 'not-admin' })))
      .expect(403);
  });
});
