import type Stripe from 'stripe';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { subscribeThroughStripe, type SubscribedAccount } from '../support/flows';
import { buyThroughStripe, newAccount } from '../support/one-time-flows';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, TEST_ADMIN_KEY } from '../support/tokens';

interface PlanBody {
  productId: string;
  productName: string;
  source: 'subscription' | 'lifetime';
  subscriptionId?: string;
  status?: string;
  validUntil: string | null;
}

interface EntitlementsBody {
  features: string[];
  plans: PlanBody[];
  validUntil: string | null;
}

const DAY = 86_400;
const PRO_FEATURES = ['chat', 'export', 'rag'];

describe('GET /api/entitlements', () => {
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

  const entitlements = async (token: string): Promise<EntitlementsBody> =>
    (await t.http.get('/api/entitlements').set(bearer(token)).expect(200)).body as EntitlementsBody;

  const entitled = async (token: string, feature: string): Promise<boolean> => {
    const res = await t.http.get(`/api/entitlements/${feature}`).set(bearer(token)).expect(200);
    expect(res.body).toEqual({ feature, entitled: expect.any(Boolean) });
    return (res.body as { entitled: boolean }).entitled;
  };

  const advance = async (seconds: number): Promise<void> => {
    await control(t.service, '/clock/advance', { seconds });
    await flushWebhooks(t.service);
  };

  const paymentsOf = async (account: SubscribedAccount) =>
    (await t.http.get('/api/payments').query({ limit: 100 }).set(bearer(account.token)).expect(200))
      .body.data as { type: string; status: string; subscriptionId: string | null }[];

  it('grants nothing to a new account', async () => {
    const account = await newAccount(t);
    expect(await entitlements(account.token)).toEqual({
      features: [],
      plans: [],
      validUntil: null,
    });
    expect(await entitled(account.token, 'chat')).toBe(false);
  });

  it("grants a trialing subscription's features until the trial ends", async () => {
    const account = await subscribeThroughStripe(t, { trialDays: 7 });
    const subscription = await t.prisma.subscription.findUniqueOrThrow({
      where: { stripeId: account.subscriptionId },
    });
    expect(subscription.status).toBe('trialing');
    const body = await entitlements(account.token);
    expect(body).toEqual({
      features: PRO_FEATURES,
      plans: [
        {
          productId: 'prod_pro',
          productName: 'Pro',
          source: 'subscription',
          subscriptionId: account.subscriptionId,
          status: 'trialing',
          validUntil: subscription.currentPeriodEnd?.toISOString(),
        },
      ],
      validUntil: subscription.currentPeriodEnd?.toISOString(),
    });
    expect(await entitled(account.token, 'rag')).toBe(true);
    expect(await entitled(account.token, 'sso')).toBe(false);
  });

  it('keeps the features across a renewal, with the paid period moved on', async () => {
    const account = await subscribeThroughStripe(t);
    const before = await entitlements(account.token);
    expect(before.plans[0]).toMatchObject({ status: 'active' });
    expect(await entitled(account.token, 'export')).toBe(true);

    // 32 days: past one renewal (and its invoice's hour as a draft) in any month, short of two.
    await advance(32 * DAY);

    const after = await entitlements(account.token);
    expect(after.features).toEqual(PRO_FEATURES);
    expect(after.plans[0]).toMatchObject({ status: 'active' });
    expect(Date.parse(after.validUntil as string)).toBeGreaterThan(
      Date.parse(before.validUntil as string),
    );
    expect(await entitled(account.token, 'export')).toBe(true);
    const completed = (await paymentsOf(account)).filter(
      (p) => p.type === 'SUBSCRIPTION' && p.status === 'COMPLETED',
    );
    expect(completed.length).toBeGreaterThanOrEqual(2);
  });

  it('keeps a failed renewal entitled through the grace window only, then records the cancellation', async () => {
    const account = await subscribeThroughStripe(t, {
      trialDays: 1,
      card: '4000000000000341',
    });
    expect(await entitled(account.token, 'rag')).toBe(true);

    // The trial ends; Stripe finalizes its invoice an hour later and the first charge fails.
    await advance(DAY + 3600 + 60);
    const pastDue = await entitlements(account.token);
    expect(pastDue.plans).toEqual([expect.objectContaining({ status: 'past_due' })]);
    expect(pastDue.features).toEqual(PRO_FEATURES);
    expect(await paymentsOf(account)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'SUBSCRIPTION',
          status: 'FAILED',
          subscriptionId: account.subscriptionId,
        }),
      ]),
    );
    const row = await t.prisma.subscription.findUniqueOrThrow({
      where: { stripeId: account.subscriptionId },
    });
    const graceEnd = (row.pastDueSince as Date).getTime() + 3 * DAY * 1000;
    expect(Date.parse(pastDue.validUntil as string)).toBe(graceEnd);

    await advance(DAY);
    expect(await entitled(account.token, 'rag')).toBe(true);

    // No webhook at all while the grace window runs out: time alone must end the grant, even
    // with the answer cached a moment before.
    await control(t.service, '/webhooks/options', { enabled: false });
    try {
      await control(t.service, '/clock/advance', { seconds: 2 * DAY + 3600 });
    } finally {
      await control(t.service, '/webhooks/options', { enabled: true });
    }
    expect(await entitled(account.token, 'rag')).toBe(false);
    expect(await entitlements(account.token)).toEqual({
      features: [],
      plans: [],
      validUntil: null,
    });

    // The last retry (Smart Retries' default: 8 tries within 2 weeks of the first failure)
    // fails: Stripe cancels the subscription.
    await advance(11 * DAY);
    const subscription = await t.prisma.subscription.findUniqueOrThrow({
      where: { stripeId: account.subscriptionId },
    });
    expect(subscription.status).toBe('canceled');
    expect(await entitled(account.token, 'rag')).toBe(false);
    expect(await paymentsOf(account)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'SUBSCRIPTION',
          status: 'CANCELLED',
          subscriptionId: account.subscriptionId,
        }),
      ]),
    );
  });

  it('grants a lifetime purchase its features with no subscription and no end', async () => {
    const account = await newAccount(t);
    await buyThroughStripe(t, account, 'price_lifetime');
    expect(await entitlements(account.token)).toEqual({
      features: PRO_FEATURES,
      plans: [
        {
          productId: 'prod_lifetime',
          productName: 'Pro Lifetime',
          source: 'lifetime',
          validUntil: null,
        },
      ],
      validUntil: null,
    });
    expect(await entitled(account.token, 'chat')).toBe(true);
    const purchases = await t.http.get('/api/purchases').set(bearer(account.token)).expect(200);
    expect(purchases.body).toEqual([
      expect.objectContaining({
        productId: 'prod_lifetime',
        priceId: 'price_lifetime',
        lifetime: true,
        amount: 49900,
        status: 'ACTIVE',
      }),
    ]);
    const current = await t.http
      .get('/api/subscriptions/current')
      .set(bearer(account.token))
      .expect(200);
    // An account whose plan is a lifetime purchase shows it as its plan: no end, no renewal.
    expect(current.body).toEqual({
      subscription: expect.objectContaining({
        kind: 'lifetime',
        id: purchases.body[0].id,
        status: 'active',
        productId: 'prod_lifetime',
        priceId: 'price_lifetime',
        periodType: 'ALL_TIME',
        interval: null,
        amount: 49900,
        currentPeriodEnd: null,
        cancelAtPeriodEnd: false,
        autoRenew: false,
        entitled: true,
      }),
    });
  });

  it('records a credits pack bought twice as two purchases that grant no features', async () => {
    const account = await newAccount(t);
    const first = await buyThroughStripe(t, account, 'price_credits_1000');
    const second = await buyThroughStripe(t, account, 'price_credits_1000');
    expect(first.id).not.toBe(second.id);
    const purchases = await t.http.get('/api/purchases').set(bearer(account.token)).expect(200);
    expect(purchases.body).toHaveLength(2);
    for (const purchase of purchases.body as Record<string, unknown>[]) {
      expect(purchase).toMatchObject({
        productId: 'prod_credits',
        productName: '1,000 credits',
        lifetime: false,
        status: 'ACTIVE',
        amount: 1900,
      });
    }
    expect(await entitlements(account.token)).toEqual({
      features: [],
      plans: [],
      validUntil: null,
    });
  });

  describe('service-to-service with X-Admin-Key', () => {
    it('answers for the account named by accountId', async () => {
      const account = await subscribeThroughStripe(t);
      const res = await t.http
        .get('/api/entitlements/rag')
        .query({ accountId: account.accountId })
        .set('X-Admin-Key', TEST_ADMIN_KEY)
        .expect(200);
      expect(res.body).toEqual({ feature: 'rag', entitled: true });
      const stranger = await newAccount(t);
      const other = await t.http
        .get('/api/entitlements/rag')
        .query({ accountId: stranger.accountId })
        .set('X-Admin-Key', TEST_ADMIN_KEY)
        .expect(200);
      expect(other.body).toEqual({ feature: 'rag', entitled: false });
    });

    it('refuses a wrong key with 401, and needs an existing accountId', async () => {
      const account = await newAccount(t);
      const wrong = await t.http
        .get('/api/entitlements/rag')
        .query({ accountId: account.accountId })
        .set('X-Admin-Key', 'not-the-admin-key-at-all-0000000')
        .expect(401);
      expect(wrong.body.error_code).toBe('UNAUTHENTICATED');
      const missing = await t.http
        .get('/api/entitlements/rag')
        .set('X-Admin-Key', TEST_ADMIN_KEY)
        .expect(400);
      expect(missing.body.details).toEqual([expect.objectContaining({ field: 'accountId' })]);
      const unknown = await t.http
        .get('/api/entitlements/rag')
        .query({ accountId: '00000000-0000-4000-8000-000000000000' })
        .set('X-Admin-Key', TEST_ADMIN_KEY)
        .expect(404);
      expect(unknown.body.error_code).toBe('ACCOUNT_NOT_FOUND');
    });

    it('does not let a member name another account with accountId', async () => {
      const owner = await subscribeThroughStripe(t);
      const member = await newAccount(t);
      const res = await t.http
        .get('/api/entitlements/rag')
        .query({ accountId: owner.accountId })
        .set(bearer(member.token))
        .expect(200);
      expect(res.body).toEqual({ feature: 'rag', entitled: false });
    });

    it('keeps the full list for members only', async () => {
      const account = await newAccount(t);
      await t.http
        .get('/api/entitlements')
        .query({ accountId: account.accountId })
        .set('X-Admin-Key', TEST_ADMIN_KEY)
        .expect(401);
      await t.http.get('/api/entitlements/rag').expect(401);
    });
  });

  it.each([['Chat'], ['-chat'], ['chat%20export'], ['a'.repeat(65)], ['ch$t']])(
    'refuses the feature id %s with 400',
    async (feature) => {
      const account = await newAccount(t);
      const res = await t.http
        .get(`/api/entitlements/${feature}`)
        .set(bearer(account.token))
        .expect(400);
      expect(res.body.error_code).toBe('VALIDATION_FAILED');
      expect(res.body.details).toEqual([expect.objectContaining({ field: 'feature' })]);
    },
  );

  it('accepts feature ids with the allowed punctuation', async () => {
    const account = await newAccount(t);
    for (const feature of ['a', 'api:v2', 'reports.export', 'seat-limit_10', 'x'.repeat(64)]) {
      expect(await entitled(account.token, feature)).toBe(false);
    }
  });

  it('serves the check from its cache, and a webhook that changes the account clears it at once', async () => {
    const account = await subscribeThroughStripe(t);
    expect(await entitled(account.token, 'rag')).toBe(true);

    // A change no webhook announced (a write behind the service's back) is not seen: the
    // answer comes from memory.
    await t.prisma.subscription.update({
      where: { stripeId: account.subscriptionId },
      data: { status: 'unpaid' },
    });
    expect(await entitled(account.token, 'rag')).toBe(true);

    // Stripe cancels the subscription; its webhook commits and invalidates the account.
    await stripe.subscriptions.cancel(account.subscriptionId);
    await flushWebhooks(t.service);
    expect(await entitled(account.token, 'rag')).toBe(false);
    expect((await entitlements(account.token)).plans).toEqual([]);
  });

  it('sees a plan bought after a cached "no" at once', async () => {
    const account = await newAccount(t);
    expect(await entitled(account.token, 'chat')).toBe(false);
    await buyThroughStripe(t, account, 'price_lifetime');
    expect(await entitled(account.token, 'chat')).toBe(true);
  });

  it('documents both routes in Swagger', async () => {
    const doc = await t.http.get('/docs-json').expect(200);
    const list = doc.body.paths['/api/entitlements'].get;
    const check = doc.body.paths['/api/entitlements/{feature}'].get;
    expect(list.summary).toBeTruthy();
    expect(check.summary).toBeTruthy();
    expect(check.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['feature', 'accountId']),
    );
    expect(check.security).toEqual(expect.arrayContaining([{ 'admin-key': [] }]));
    expect(Object.keys(check.responses)).toEqual(expect.arrayContaining(['200', '400', '401']));
    expect(doc.body.components.schemas.EntitlementsDto.properties.features.example).toEqual(
      PRO_FEATURES,
    );
  });
});
