import type Stripe from 'stripe';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, newUser, signToken } from '../support/tokens';

type Auth = Record<string, string>;

interface PreviewBody {
  prorationDate: string;
  amountDueNow: number;
  immediateInvoice: { amountDue: number; lines: { proration: boolean; amount: number }[] } | null;
  nextInvoice: { amountDue: number; date: string; lines: { proration: boolean }[] } | null;
}

describe('invoice previews: the next invoice, and what a change would charge', () => {
  let t: TestService;
  let stripe: Stripe;

  beforeAll(async () => {
    t = await startTestService({ TRIAL_DAYS: '0' });
    stripe = emulatorStripe(t.service);
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

  const buyer = (): Auth => bearer(signToken(newUser('previews')));

  it('shows the next invoice: amount, date and lines', async () => {
    const auth = buyer();
    const subscriptionId = await subscribe(auth, 'price_starter_monthly');
    const res = await t.http
      .get('/api/subscriptions/current/upcoming-invoice')
      .set(auth)
      .expect(200);
    const remote = await stripe.subscriptions.retrieve(subscriptionId);
    expect(res.body.invoice).toMatchObject({
      amountDue: 900,
      total: 900,
      currency: 'usd',
      date: new Date(remote.items.data[0].current_period_end * 1000).toISOString(),
    });
    expect(res.body.invoice.lines).toEqual([
      expect.objectContaining({ priceId: 'price_starter_monthly', quantity: 1, amount: 900 }),
    ]);

    // A pending cancellation: nothing is due next.
    await t.http.post('/api/subscriptions/current/cancel').set(auth).send({}).expect(200);
    const none = await t.http
      .get('/api/subscriptions/current/upcoming-invoice')
      .set(auth)
      .expect(200);
    expect(none.body.invoice).toBeNull();
  });

  it('charges at once exactly what the preview of an invoiced upgrade showed, and changed nothing before', async () => {
    const auth = buyer();
    const subscriptionId = await subscribe(auth, 'price_starter_monthly');
    // Some time into the period, so the credit for unused time is a fraction.
    await control(t.service, '/clock/advance', { seconds: 9 * 86_400 + 3_617 });
    const body = { priceId: 'price_pro_monthly', prorationBehavior: 'always_invoice' };
    const preview = (
      await t.http
        .post('/api/subscriptions/current/change/preview')
        .set(auth)
        .send(body)
        .expect(200)
    ).body as PreviewBody;
    expect(preview.amountDueNow).toBeGreaterThan(0);
    expect(preview.amountDueNow).toBeLessThan(2900 - 900);
    expect(preview.immediateInvoice?.amountDue).toBe(preview.amountDueNow);
    expect(preview.immediateInvoice?.lines.every((line) => line.proration)).toBe(true);
    // After an invoiced proration the next invoice is the new plan's full price.
    expect(preview.nextInvoice?.amountDue).toBe(2900);

    // The preview changed nothing, at Stripe or here.
    const untouched = await stripe.subscriptions.retrieve(subscriptionId);
    expect(untouched.items.data[0].price.id).toBe('price_starter_monthly');
    const before = await t.http.get('/api/subscriptions/current').set(auth).expect(200);
    expect(before.body.subscription.priceId).toBe('price_starter_monthly');

    // Wall time moves on; the preview's proration date keeps the amounts.
    await control(t.service, '/clock/advance', { seconds: 3_600 });
    await t.http
      .post('/api/subscriptions/current/change')
      .set(auth)
      .send({ ...body, prorationDate: preview.prorationDate })
      .expect(200);
    await flushWebhooks(t.service);
    const changed = await stripe.subscriptions.retrieve(subscriptionId, {
      expand: ['latest_invoice'],
    });
    const invoice = changed.latest_invoice as Stripe.Invoice;
    expect(invoice.billing_reason).toBe('subscription_update');
    expect(invoice.amount_paid).toBe(preview.amountDueNow);
    const upcoming = await t.http
      .get('/api/subscriptions/current/upcoming-invoice')
      .set(auth)
      .expect(200);
    expect(upcoming.body.invoice.amountDue).toBe(preview.nextInvoice?.amountDue);
  });

  it('puts exactly the previewed prorations on the next invoice of a prorated downgrade', async () => {
    const auth = buyer();
    await subscribe(auth, 'price_pro_monthly');
    await control(t.service, '/clock/advance', { seconds: 11 * 86_400 + 77 });
    const body = { priceId: 'price_starter_monthly' };
    const preview = (
      await t.http
        .post('/api/subscriptions/current/change/preview')
        .set(auth)
        .send(body)
        .expect(200)
    ).body as PreviewBody;
    expect(preview.amountDueNow).toBe(0);
    expect(preview.immediateInvoice).toBeNull();
    expect(preview.nextInvoice?.lines.some((line) => line.proration)).toBe(true);
    // The credit for unused Pro time exceeds the Starter charge: nothing due next.
    await control(t.service, '/clock/advance', { seconds: 120 });
    await t.http
      .post('/api/subscriptions/current/change')
      .set(auth)
      .send({ ...body, prorationDate: preview.prorationDate })
      .expect(200);
    await flushWebhooks(t.service);
    const upcoming = await t.http
      .get('/api/subscriptions/current/upcoming-invoice')
      .set(auth)
      .expect(200);
    expect(upcoming.body.invoice.amountDue).toBe(preview.nextInvoice?.amountDue);
    expect(upcoming.body.invoice.total).toBe(
      (preview.nextInvoice as unknown as { total: number }).total,
    );
  });

  it('refuses invalid input, accounts without a subscription (404) and members without the billing role (403)', async () => {
    const auth = buyer();
    const none = await t.http
      .post('/api/subscriptions/current/change/preview')
      .set(auth)
      .send({ priceId: 'price_pro_monthly' })
      .expect(404);
    expect(none.body.error_code).toBe('NO_ACTIVE_SUBSCRIPTION');
    const upcoming = await t.http
      .get('/api/subscriptions/current/upcoming-invoice')
      .set(auth)
      .expect(200);
    expect(upcoming.body.invoice).toBeNull();

    const org = `org_${newUser().sub}`;
    const owner = bearer(signToken({ ...newUser('owner'), org_id: org, org_role: 'owner' }));
    const member = bearer(signToken({ ...newUser('member'), org_id: org, org_role: 'member' }));
    await subscribe(owner, 'price_starter_monthly');
    // Another account sees nothing of the organisation's subscription.
    const other = await t.http
      .post('/api/subscriptions/current/change/preview')
      .set(auth)
      .send({ priceId: 'price_pro_monthly' })
      .expect(404);
    expect(other.body.error_code).toBe('NO_ACTIVE_SUBSCRIPTION');
    for (const res of [
      await t.http.get('/api/subscriptions/current/upcoming-invoice').set(member),
      await t.http
        .post('/api/subscriptions/current/change/preview')
        .set(member)
        .send({ priceId: 'price_pro_monthly' }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error_code).toBe('BILLING_ROLE_REQUIRED');
    }
    const bad = await t.http
      .post('/api/subscriptions/current/change/preview')
      .set(owner)
      .send({ priceId: 'price_pro_monthly', prorationDate: 'yesterday' })
      .expect(400);
    expect(bad.body.error_code).toBe('VALIDATION_FAILED');
    const same = await t.http
      .post('/api/subscriptions/current/change/preview')
      .set(owner)
      .send({ priceId: 'price_starter_monthly' })
      .expect(409);
    expect(same.body.error_code).toBe('SAME_PRICE');
  });
});
