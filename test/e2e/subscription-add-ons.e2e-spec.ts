import type Stripe from 'stripe';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, newUser, signToken } from '../support/tokens';

type Auth = Record<string, string>;

describe('add-ons: extra items beside the plan, entitlements the union over items', () => {
  let t: TestService;
  let stripe: Stripe;
  let storageMonthly: string;
  let storageYearly: string;

  beforeAll(async () => {
    t = await startTestService({ TRIAL_DAYS: '0' });
    stripe = emulatorStripe(t.service);
    const product = await stripe.products.create({
      name: 'Extra storage',
      metadata: { features: 'storage,priority-support', addon: 'true' },
    });
    storageMonthly = (
      await stripe.prices.create({
        product: product.id,
        unit_amount: 500,
        currency: 'usd',
        recurring: { interval: 'month' },
      })
    ).id;
    storageYearly = (
      await stripe.prices.create({
        product: product.id,
        unit_amount: 5000,
        currency: 'usd',
        recurring: { interval: 'year' },
      })
    ).id;
    await flushWebhooks(t.service);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function subscribe(auth: Auth, priceId: string): Promise<string> {
    const res = await t.http.post('/api/checkout/sessions').set(auth).send({ priceId }).expect(201);
    await control(t.service, `/checkout/sessions/${res.body.sessionId as string}/complete`, {
      card: '4242424242424242',
    });
    await flushWebhooks(t.service);
    const current = await t.http.get('/api/subscriptions/current').set(auth).expect(200);
    return current.body.subscription.id as string;
  }
  const buyer = (): Auth => bearer(signToken(newUser('addons')));
  const features = async (auth: Auth): Promise<string[]> =>
    (await t.http.get('/api/entitlements').set(auth).expect(200)).body.features as string[];
  const entitled = async (auth: Auth, feature: string): Promise<boolean> =>
    (await t.http.get(`/api/entitlements/${feature}`).set(auth).expect(200)).body
      .entitled as boolean;

  it('marks add-ons in the catalog', async () => {
    const products = (await t.http.get('/api/catalog/products').expect(200)).body as {
      name: string;
      addOn: boolean;
    }[];
    expect(products.find((p) => p.name === 'Extra storage')?.addOn).toBe(true);
    expect(products.find((p) => p.name === 'Pro')?.addOn).toBe(false);
  });

  it('grants the plan and the add-on together, and takes the add-on away with its item', async () => {
    const auth = buyer();
    const subscriptionId = await subscribe(auth, 'price_pro_monthly');
    expect(await features(auth)).toEqual(['chat', 'export', 'rag']);

    const added = await t.http
      .post(`/api/subscriptions/current/add-ons/${storageMonthly}`)
      .set(auth)
      .send({ prorationBehavior: 'always_invoice' })
      .expect(200);
    expect(added.body.subscription).toMatchObject({
      priceId: 'price_pro_monthly',
      amount: 2900 + 500,
      items: [
        { priceId: 'price_pro_monthly', addOn: false, quantity: 1 },
        { priceId: storageMonthly, addOn: true, quantity: 1, productName: 'Extra storage' },
      ],
    });
    await flushWebhooks(t.service);
    expect(await features(auth)).toEqual(['chat', 'export', 'priority-support', 'rag', 'storage']);
    expect(await entitled(auth, 'storage')).toBe(true);
    const remote = await stripe.subscriptions.retrieve(subscriptionId, {
      expand: ['latest_invoice'],
    });
    expect(remote.items.data.map((item) => item.price.id)).toEqual([
      'price_pro_monthly',
      storageMonthly,
    ]);
    // Charged for the rest of the period at once.
    const invoice = remote.latest_invoice as Stripe.Invoice;
    expect(invoice.billing_reason).toBe('subscription_update');
    expect(invoice.amount_paid).toBeGreaterThan(0);
    expect(invoice.amount_paid).toBeLessThanOrEqual(500);

    const again = await t.http
      .post(`/api/subscriptions/current/add-ons/${storageMonthly}`)
      .set(auth)
      .send({})
      .expect(409);
    expect(again.body.error_code).toBe('ADD_ON_ALREADY_ACTIVE');

    // A plan change keeps the add-on beside the new plan.
    const changed = await t.http
      .post('/api/subscriptions/current/change')
      .set(auth)
      .send({ priceId: 'price_starter_monthly' })
      .expect(200);
    expect(
      (changed.body.subscription.items as { priceId: string }[]).map((item) => item.priceId),
    ).toEqual(['price_starter_monthly', storageMonthly]);
    await flushWebhooks(t.service);
    expect(await features(auth)).toEqual(['chat', 'priority-support', 'storage']);

    const removed = await t.http
      .delete(`/api/subscriptions/current/add-ons/${storageMonthly}`)
      .set(auth)
      .expect(200);
    expect(removed.body.subscription.items).toHaveLength(1);
    await flushWebhooks(t.service);
    expect(await features(auth)).toEqual(['chat']);
    expect(await entitled(auth, 'storage')).toBe(false);
    const items = await t.prisma.subscriptionItem.findMany({
      where: { subscriptionStripeId: subscriptionId },
    });
    expect(items.map((item) => item.priceId)).toEqual(['price_starter_monthly']);

    const gone = await t.http
      .delete(`/api/subscriptions/current/add-ons/${storageMonthly}`)
      .set(auth)
      .expect(404);
    expect(gone.body.error_code).toBe('ADD_ON_NOT_ACTIVE');
    // The plan itself is never removed as an add-on.
    const plan = await t.http
      .delete('/api/subscriptions/current/add-ons/price_starter_monthly')
      .set(auth)
      .expect(404);
    expect(plan.body.error_code).toBe('ADD_ON_NOT_ACTIVE');
  });

  it('refuses prices that are not add-ons or bill on another interval, changing nothing', async () => {
    const auth = buyer();
    const subscriptionId = await subscribe(auth, 'price_pro_monthly');
    for (const [priceId, status, code] of [
      ['price_starter_monthly', 400, 'NOT_AN_ADD_ON'],
      [storageYearly, 400, 'ADD_ON_INTERVAL_MISMATCH'],
      ['price_credits_1000', 400, 'PRICE_NOT_RECURRING'],
      ['price_nope', 404, 'PRICE_NOT_FOUND'],
    ] as const) {
      const res = await t.http
        .post(`/api/subscriptions/current/add-ons/${priceId}`)
        .set(auth)
        .send({})
        .expect(status);
      expect(res.body.error_code).toBe(code);
    }
    const bad = await t.http
      .post(`/api/subscriptions/current/add-ons/${storageMonthly}`)
      .set(auth)
      .send({ quantity: 0 })
      .expect(400);
    expect(bad.body.error_code).toBe('VALIDATION_FAILED');
    const remote = await stripe.subscriptions.retrieve(subscriptionId);
    expect(remote.items.data).toHaveLength(1);
  });

  it('refuses other accounts (404) and members without the billing role (403)', async () => {
    const org = `org_${newUser().sub}`;
    const owner = bearer(signToken({ ...newUser('owner'), org_id: org, org_role: 'owner' }));
    const member = bearer(signToken({ ...newUser('member'), org_id: org, org_role: 'member' }));
    const subscriptionId = await subscribe(owner, 'price_pro_monthly');
    const path = `/api/subscriptions/current/add-ons/${storageMonthly}`;
    for (const res of [
      await t.http.post(path).set(member).send({}),
      await t.http.delete(path).set(member),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error_code).toBe('BILLING_ROLE_REQUIRED');
    }
    const stranger = buyer();
    for (const res of [
      await t.http.post(path).set(stranger).send({}),
      await t.http.delete(path).set(stranger),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error_code).toBe('NO_ACTIVE_SUBSCRIPTION');
    }
    const remote = await stripe.subscriptions.retrieve(subscriptionId);
    expect(remote.items.data).toHaveLength(1);
  });
});
