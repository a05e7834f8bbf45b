import { control, flushWebhooks } from '../support/emulator-control';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, newUser, signToken } from '../support/tokens';

/**
 * What the sync engine writes from Stripe's objects, seen through the API: the amount a
 * subscription costs after its discount, and when a superseded checkout really expired.
 */
describe('amounts and dates written by the sync engine', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService();
    await flushWebhooks(t.service);
  });
  afterAll(async () => {
    await t?.close();
  });

  const buyer = () => {
    const user = newUser('engine');
    return { user, auth: bearer(signToken(user)) };
  };

  it('shows what the account pays per period after a promotion code, and the discount', async () => {
    const { auth } = buyer();
    const started = await t.http
      .post('/api/checkout/sessions')
      .set(auth)
      .send({ priceId: 'price_pro_monthly', promotionCode: 'HALFOFF' })
      .expect(201);
    await control(t.service, `/checkout/sessions/${started.body.sessionId}/complete`, {
      card: '4242424242424242',
    });
    await flushWebhooks(t.service);
    const current = await t.http.get('/api/subscriptions/current').set(auth).expect(200);
    // 2,900 a month, half off forever.
    expect(current.body.subscription).toMatchObject({
      priceId: 'price_pro_monthly',
      amount: 1450,
      discount: { couponId: 'HALF', percentOff: 50, amountOff: null, duration: 'forever' },
    });

    // The discount's terms are known now: later states of the subscription, which name the
    // discount by id only, are complete without a fetch from Stripe.
    const fetches = async () => {
      const text = (await t.http.get('/metrics').expect(200)).text;
      return text
        .split('\n')
        .filter((line) =>
          line.startsWith('billing_sync_fetches_total{kind="subscription",reason="incomplete"'),
        )
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    };
    const before = await fetches();
    const cancelled = await t.http
      .post('/api/subscriptions/current/cancel')
      .set(auth)
      .send({})
      .expect(200);
    expect(cancelled.body.subscription).toMatchObject({ cancelAtPeriodEnd: true, amount: 1450 });
    await flushWebhooks(t.service);
    expect(await fetches()).toBe(before);
  });

  it('dates an expired checkout superseded by a new one when it expired, not at its planned expiry', async () => {
    const { user, auth } = buyer();
    const first = await t.http
      .post('/api/checkout/sessions')
      .set(auth)
      .send({ priceId: 'price_pro_monthly' })
      .expect(201);
    const before = Date.now();
    // Another plan: the same checkout asked again would join the open session instead.
    await t.http
      .post('/api/checkout/sessions')
      .set(auth)
      .send({ priceId: 'price_starter_monthly' })
      .expect(201);
    await flushWebhooks(t.service);
    const account = await t.prisma.account.findFirstOrThrow({ where: { externalId: user.sub } });
    const expired = await t.prisma.payment.findFirstOrThrow({
      where: { accountId: account.id, stripeCheckoutSessionId: first.body.sessionId },
    });
    expect(expired.status).toBe('EXPIRED');
    // Its planned expiry is a day away; it expired when the second checkout superseded it.
    expect(new Date(first.body.expiresAt).getTime() - before).toBeGreaterThan(3_600_000);
    expect(expired.occurredAt.getTime()).toBeLessThan(before + 60_000);
    expect(expired.occurredAt.getTime()).toBeGreaterThan(before - 60_000);
    const history = await t.http.get('/api/payments').set(auth).expect(200);
    expect(history.body.data[0]).toMatchObject({ status: 'EXPIRED' });
  });
});
