import type Stripe from 'stripe';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, newUser, signToken, TEST_ADMIN_KEY } from '../support/tokens';

type Auth = Record<string, string>;

interface PaymentBody {
  id: string;
  type: string;
  status: string;
  amount: number;
  amountRefunded: number;
  refundId: string | null;
}

describe('admin refunds: partial, the rest, never more, never twice', () => {
  let t: TestService;
  let stripe: Stripe;
  const admin = { 'X-Admin-Key': TEST_ADMIN_KEY };

  beforeAll(async () => {
    t = await startTestService({ TRIAL_DAYS: '0' });
    stripe = emulatorStripe(t.service);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function buy(auth: Auth, priceId: string): Promise<void> {
    const res = await t.http.post('/api/checkout/sessions').set(auth).send({ priceId }).expect(201);
    await control(t.service, `/checkout/sessions/${res.body.sessionId as string}/complete`, {
      card: '4242424242424242',
    });
    await flushWebhooks(t.service);
  }

  const history = async (auth: Auth): Promise<PaymentBody[]> =>
    (await t.http.get('/api/payments').set(auth).expect(200)).body.data as PaymentBody[];

  const refund = (id: string, body: Record<string, unknown>, key?: string) => {
    const request = t.http.post(`/api/admin/payments/${id}/refund`).set(admin);
    if (key !== undefined) request.set('Idempotency-Key', key);
    return request.send(body);
  };

  it('refunds part of a purchase, then the rest; over-refunds and retries refund nothing more', async () => {
    const auth = bearer(signToken(newUser('refund')));
    await buy(auth, 'price_credits_1000');
    const paid = (await history(auth)).find((p) => p.type === 'ONE_TIME') as PaymentBody;
    expect(paid).toMatchObject({ status: 'COMPLETED', amount: 1900, amountRefunded: 0 });
    const row = await t.prisma.payment.findUniqueOrThrow({ where: { id: paid.id } });
    const paymentIntent = row.stripePaymentIntentId as string;

    const first = await refund(paid.id, { amount: 500, reason: 'requested_by_customer' }).expect(
      200,
    );
    expect(first.body).toEqual({
      refundId: expect.stringMatching(/^re_/),
      paymentId: paid.id,
      amount: 500,
      currency: 'usd',
      status: 'succeeded',
      reason: 'requested_by_customer',
      paymentAmountRefunded: 500,
    });
    // The same request again (a client retry, no key): the same refund, nothing more refunded.
    const again = await refund(paid.id, { amount: 500, reason: 'requested_by_customer' }).expect(
      200,
    );
    expect(again.body.refundId).toBe(first.body.refundId);
    // Two at once, too.
    const [a, b] = await Promise.all([
      refund(paid.id, { amount: 500, reason: 'requested_by_customer' }),
      refund(paid.id, { amount: 500, reason: 'requested_by_customer' }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.body.refundId, b.body.refundId]).toEqual([first.body.refundId, first.body.refundId]);
    expect((await stripe.refunds.list({ payment_intent: paymentIntent })).data).toHaveLength(1);

    // More than is left (1400): refused by Stripe's own count, and locally beyond the payment.
    const over = await refund(paid.id, { amount: 1500 }).expect(409);
    expect(over.body.error_code).toBe('REFUND_EXCEEDS_PAYMENT');
    const wayOver = await refund(paid.id, { amount: 5000 }).expect(409);
    expect(wayOver.body.error_code).toBe('REFUND_EXCEEDS_PAYMENT');

    // The rest, with the client's key; its retry answers the same refund.
    const rest = await refund(paid.id, {}, 'refund-rest-1').expect(200);
    expect(rest.body).toMatchObject({ amount: 1400, reason: null, paymentAmountRefunded: 1900 });
    const restAgain = await refund(paid.id, {}, 'refund-rest-1').expect(200);
    expect(restAgain.body.refundId).toBe(rest.body.refundId);
    const reused = await refund(paid.id, { amount: 5 }, 'refund-rest-1').expect(422);
    expect(reused.body.error_code).toBe('IDEMPOTENCY_KEY_REUSED');
    const done = await refund(paid.id, { amount: 1 }).expect(409);
    expect(done.body.error_code).toBe('PAYMENT_ALREADY_REFUNDED');
    expect((await stripe.refunds.list({ payment_intent: paymentIntent })).data).toHaveLength(2);

    await flushWebhooks(t.service);
    const after = await history(auth);
    expect(after.find((p) => p.id === paid.id)).toMatchObject({
      status: 'COMPLETED',
      amountRefunded: 1900,
    });
    const refunds = after.filter((p) => p.type === 'REFUND');
    expect(refunds.map((p) => p.amount).sort((x, y) => x - y)).toEqual([500, 1400]);
    expect(refunds.map((p) => p.refundId).sort()).toEqual(
      [first.body.refundId as string, rest.body.refundId as string].sort(),
    );
    expect(refunds.every((p) => p.status === 'REFUNDED' && p.amountRefunded === 0)).toBe(true);
  });

  it("refunds a subscription invoice's payment through its invoice", async () => {
    const auth = bearer(signToken(newUser('refund-sub')));
    await buy(auth, 'price_pro_monthly');
    const invoice = (await history(auth)).find(
      (p) => p.type === 'SUBSCRIPTION' && p.status === 'COMPLETED',
    ) as PaymentBody;
    expect(invoice.amount).toBe(2900);
    const res = await refund(invoice.id, { amount: 1000, reason: 'duplicate' }).expect(200);
    expect(res.body).toMatchObject({ amount: 1000, paymentAmountRefunded: 1000 });
    const refundObject = await stripe.refunds.retrieve(res.body.refundId as string);
    expect(refundObject.metadata).toMatchObject({ paymentId: invoice.id });
    await flushWebhooks(t.service);
    const after = await history(auth);
    expect(after.find((p) => p.id === invoice.id)?.amountRefunded).toBe(1000);
    expect(after).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'REFUND', amount: 1000, refundId: res.body.refundId }),
      ]),
    );
  });

  it('refuses what is not an admin, not a payment, not refundable, or not valid', async () => {
    const auth = bearer(signToken(newUser('refund-refused')));
    await buy(auth, 'price_credits_1000');
    const paid = (await history(auth)).find((p) => p.type === 'ONE_TIME') as PaymentBody;

    const user = await t.http
      .post(`/api/admin/payments/${paid.id}/refund`)
      .set(auth)
      .send({})
      .expect(403);
    expect(user.body.error_code).toBe('ADMIN_REQUIRED');
    const missing = await refund('3f1c1f0e-8f9c-4a59-9a43-2d1f8b0f6c11', {}).expect(404);
    expect(missing.body.error_code).toBe('PAYMENT_NOT_FOUND');
    await refund('not-a-uuid', {}).expect(404);
    for (const body of [{ reason: 'changed_mind' }, { amount: 0 }, { amount: 1.5 }, { extra: 1 }]) {
      const bad = await refund(paid.id, body).expect(400);
      expect(bad.body.error_code).toBe('VALIDATION_FAILED');
    }
    const badKey = await refund(paid.id, {}, 'a key with spaces').expect(400);
    expect(badKey.body.error_code).toBe('VALIDATION_FAILED');

    // A refund line is not refundable itself; nothing above refunded anything.
    expect((await history(auth)).some((p) => p.type === 'REFUND')).toBe(false);
    await refund(paid.id, {}).expect(200);
    await flushWebhooks(t.service);
    const line = (await history(auth)).find((p) => p.type === 'REFUND') as PaymentBody;
    const notRefundable = await refund(line.id, {}).expect(409);
    expect(notRefundable.body.error_code).toBe('PAYMENT_NOT_REFUNDABLE');
  });
});
