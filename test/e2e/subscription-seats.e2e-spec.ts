import type Stripe from 'stripe';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, newUser, signToken } from '../support/tokens';

type Auth = Record<string, string>;
const DAY = 86_400;

interface PreviewBody {
  prorationDate: string;
  amountDueNow: number;
  nextInvoice: { amountDue: number; total: number } | null;
}

describe('per-seat plans: seats from the catalog, set with prorations that match the preview', () => {
  let t: TestService;
  let stripe: Stripe;
  let teamPrice: string;

  beforeAll(async () => {
    t = await startTestService({ TRIAL_DAYS: '0' });
    stripe = emulatorStripe(t.service);
    const product = await stripe.products.create({
      name: 'Team',
      metadata: { features: 'chat,team', per_seat: 'true', seats_min: '2' },
    });
    const price = await stripe.prices.create({
      product: product.id,
      unit_amount: 1000,
      currency: 'usd',
      recurring: { interval: 'month' },
      metadata: { seats_max: '250' },
    });
    teamPrice = price.id;
    await flushWebhooks(t.service);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function subscribe(auth: Auth, body: Record<string, unknown>): Promise<string> {
    const res = await t.http.post('/api/checkout/sessions').set(auth).send(body).expect(201);
    await control(t.service, `/checkout/sessions/${res.body.sessionId as string}/complete`, {
      card: '4242424242424242',
    });
    await flushWebhooks(t.service);
    const current = await t.http.get('/api/subscriptions/current').set(auth).expect(200);
    return current.body.subscription.id as string;
  }

  const buyer = (): Auth => bearer(signToken(newUser('seats')));
  const preview = async (auth: Auth, body: Record<string, unknown>): Promise<PreviewBody> =>
    (await t.http.post('/api/subscriptions/current/seats/preview').set(auth).send(body).expect(200))
      .body as PreviewBody;

  it('lists the seat bounds in the catalog', async () => {
    const res = await t.http.get(`/api/catalog/prices/${teamPrice}`).expect(200);
    expect(res.body).toMatchObject({ billingScheme: 'per_seat', seats: { min: 2, max: 250 } });
    const flat = await t.http.get('/api/catalog/prices/price_pro_monthly').expect(200);
    expect(flat.body).toMatchObject({ billingScheme: 'flat', seats: null });
  });

  it('goes 3 → 5 → 2 seats, charging and crediting exactly what the previews showed', async () => {
    const auth = buyer();
    const subscriptionId = await subscribe(auth, { priceId: teamPrice, quantity: 3 });
    const first = await stripe.subscriptions.retrieve(subscriptionId, {
      expand: ['latest_invoice'],
    });
    expect((first.latest_invoice as Stripe.Invoice).amount_paid).toBe(3000);

    // 3 → 5, invoiced now.
    await control(t.service, '/clock/advance', { seconds: 10 * DAY + 1_234 });
    const up = { seats: 5, prorationBehavior: 'always_invoice' };
    const upPreview = await preview(auth, up);
    expect(upPreview.amountDueNow).toBeGreaterThan(0);
    expect(upPreview.amountDueNow).toBeLessThan(2000);
    expect(upPreview.nextInvoice?.amountDue).toBe(5000);
    await control(t.service, '/clock/advance', { seconds: 600 });
    const five = await t.http
      .post('/api/subscriptions/current/seats')
      .set(auth)
      .send({ ...up, prorationDate: upPreview.prorationDate })
      .expect(200);
    expect(five.body.subscription).toMatchObject({ quantity: 5, amount: 5000 });
    await flushWebhooks(t.service);
    const afterUp = await stripe.subscriptions.retrieve(subscriptionId, {
      expand: ['latest_invoice'],
    });
    expect(afterUp.items.data[0].quantity).toBe(5);
    expect((afterUp.latest_invoice as Stripe.Invoice).amount_paid).toBe(upPreview.amountDueNow);

    // 5 → 2, prorated onto the next invoice.
    await control(t.service, '/clock/advance', { seconds: 5 * DAY });
    const downPreview = await preview(auth, { seats: 2 });
    expect(downPreview.amountDueNow).toBe(0);
    await control(t.service, '/clock/advance', { seconds: 600 });
    const two = await t.http
      .post('/api/subscriptions/current/seats')
      .set(auth)
      .send({ seats: 2, prorationDate: downPreview.prorationDate })
      .expect(200);
    expect(two.body.subscription).toMatchObject({ quantity: 2, amount: 2000 });
    await flushWebhooks(t.service);
    const upcoming = await t.http
      .get('/api/subscriptions/current/upcoming-invoice')
      .set(auth)
      .expect(200);
    expect(upcoming.body.invoice).toMatchObject({
      amountDue: downPreview.nextInvoice?.amountDue,
      total: downPreview.nextInvoice?.total,
    });
    const row = await t.prisma.subscription.findUniqueOrThrow({
      where: { stripeId: subscriptionId },
    });
    expect(row.quantity).toBe(2);
  });

  it('allows more than 100 seats when the price does, and refuses what it does not', async () => {
    const auth = buyer();
    await subscribe(auth, { priceId: teamPrice });
    const current = await t.http.get('/api/subscriptions/current').set(auth).expect(200);
    // Without a quantity, checkout sells the price's minimum.
    expect(current.body.subscription.quantity).toBe(2);
    const many = await t.http
      .post('/api/subscriptions/current/seats')
      .set(auth)
      .send({ seats: 180 })
      .expect(200);
    expect(many.body.subscription.quantity).toBe(180);
    for (const seats of [1, 251]) {
      const res = await t.http
        .post('/api/subscriptions/current/seats')
        .set(auth)
        .send({ seats })
        .expect(400);
      expect(res.body.error_code).toBe('SEATS_OUT_OF_RANGE');
      expect(res.body.details[0].field).toBe('seats');
    }
    const same = await t.http
      .post('/api/subscriptions/current/seats')
      .set(auth)
      .send({ seats: 180 })
      .expect(409);
    expect(same.body.error_code).toBe('SEATS_UNCHANGED');
    const tooMany = await t.http
      .post('/api/checkout/sessions')
      .set(buyer())
      .send({ priceId: teamPrice, quantity: 300 })
      .expect(400);
    expect(tooMany.body.error_code).toBe('SEATS_OUT_OF_RANGE');
    const flatMany = await t.http
      .post('/api/checkout/sessions')
      .set(buyer())
      .send({ priceId: 'price_pro_monthly', quantity: 101 })
      .expect(400);
    expect(flatMany.body.error_code).toBe('VALIDATION_FAILED');
    expect(flatMany.body.details[0].field).toBe('quantity');
  });

  it('changes nothing when Stripe refuses the change', async () => {
    const auth = buyer();
    const subscriptionId = await subscribe(auth, { priceId: teamPrice, quantity: 4 });
    // A proration date before the period: Stripe refuses the update.
    const refused = await t.http
      .post('/api/subscriptions/current/seats')
      .set(auth)
      .send({ seats: 6, prorationDate: '2020-01-01T00:00:00Z' })
      .expect(400);
    expect(refused.body.error_code).toBe('STRIPE_REQUEST_FAILED');
    await flushWebhooks(t.service);
    const remote = await stripe.subscriptions.retrieve(subscriptionId);
    expect(remote.items.data[0].quantity).toBe(4);
    const current = await t.http.get('/api/subscriptions/current').set(auth).expect(200);
    expect(current.body.subscription.quantity).toBe(4);
    const invoices = await stripe.invoices.list({ subscription: subscriptionId });
    expect(invoices.data).toHaveLength(1);
  });

  it('refuses a flat plan, other accounts (404) and members without the billing role (403)', async () => {
    const flat = buyer();
    await subscribe(flat, { priceId: 'price_starter_monthly' });
    const notSeats = await t.http
      .post('/api/subscriptions/current/seats')
      .set(flat)
      .send({ seats: 3 })
      .expect(409);
    expect(notSeats.body.error_code).toBe('PRICE_NOT_PER_SEAT');

    const org = `org_${newUser().sub}`;
    const owner = bearer(signToken({ ...newUser('owner'), org_id: org, org_role: 'owner' }));
    const member = bearer(signToken({ ...newUser('member'), org_id: org, org_role: 'member' }));
    const subscriptionId = await subscribe(owner, { priceId: teamPrice, quantity: 3 });
    for (const path of [
      '/api/subscriptions/current/seats',
      '/api/subscriptions/current/seats/preview',
    ]) {
      const forbidden = await t.http.post(path).set(member).send({ seats: 4 }).expect(403);
      expect(forbidden.body.error_code).toBe('BILLING_ROLE_REQUIRED');
      const other = await t.http.post(path).set(buyer()).send({ seats: 4 }).expect(404);
      expect(other.body.error_code).toBe('NO_ACTIVE_SUBSCRIPTION');
    }
    const remote = await stripe.subscriptions.retrieve(subscriptionId);
    expect(remote.items.data[0].quantity).toBe(3);
    const invalid = await t.http
      .post('/api/subscriptions/current/seats')
      .set(owner)
      .send({ seats: 2.5 })
      .expect(400);
    expect(invalid.body.error_code).toBe('VALIDATION_FAILED');
  });
});
