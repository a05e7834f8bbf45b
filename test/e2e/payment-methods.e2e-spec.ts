import type Stripe from 'stripe';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { subscribeThroughStripe } from '../support/flows';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, newUser, signToken, TEST_ADMIN_KEY } from '../support/tokens';

type Auth = Record<string, string>;

interface CardBody {
  id: string;
  type: string;
  brand: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
  isDefault: boolean;
  createdAt: string;
}

describe('saved cards: add through a setup session, make default, remove, never the last', () => {
  let t: TestService;
  let stripe: Stripe;

  beforeAll(async () => {
    t = await startTestService({ TRIAL_DAYS: '0' });
    stripe = emulatorStripe(t.service);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Subscribes through the service's own checkout, paid with `card` on Stripe's side. */
  async function subscribe(auth: Auth, card = '4242424242424242'): Promise<string> {
    const res = await t.http
      .post('/api/checkout/sessions')
      .set(auth)
      .send({ priceId: 'price_pro_monthly' })
      .expect(201);
    await control(t.service, `/checkout/sessions/${res.body.sessionId as string}/complete`, {
      card,
    });
    await flushWebhooks(t.service);
    const current = await t.http.get('/api/subscriptions/current').set(auth).expect(200);
    return current.body.subscription.id as string;
  }

  /** Adds a card the way a buyer does: the setup session, completed on Stripe's page. */
  async function addCard(auth: Auth, card: string): Promise<string> {
    const res = await t.http.post('/api/payment-methods/setup').set(auth).send({}).expect(201);
    expect(res.body).toMatchObject({
      sessionId: expect.stringMatching(/^cs_test_/),
      url: expect.stringContaining('/checkout/'),
      mode: 'setup',
    });
    await control(t.service, `/checkout/sessions/${res.body.sessionId as string}/complete`, {
      card,
    });
    await flushWebhooks(t.service);
    return res.body.sessionId as string;
  }

  const cards = async (auth: Auth): Promise<CardBody[]> =>
    (await t.http.get('/api/payment-methods').set(auth).expect(200)).body as CardBody[];

  it('adds a card, makes it the default of customer and subscription, removes the old one, refuses the last', async () => {
    const user = newUser('cards');
    const auth = bearer(signToken(user));
    const subscriptionId = await subscribe(auth);

    const [first] = await cards(auth);
    expect(await cards(auth)).toEqual([
      {
        id: expect.stringMatching(/^pm_/),
        type: 'card',
        brand: 'visa',
        last4: '4242',
        expMonth: expect.any(Number),
        expYear: expect.any(Number),
        isDefault: true,
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      },
    ]);
    // The only card of an active subscription stays.
    const refused = await t.http.delete(`/api/payment-methods/${first.id}`).set(auth).expect(409);
    expect(refused.body.error_code).toBe('LAST_PAYMENT_METHOD');

    const setupSessionId = await addCard(auth, '5555555555554444');
    const setup = await stripe.checkout.sessions.retrieve(setupSessionId);
    expect(setup).toMatchObject({
      mode: 'setup',
      status: 'complete',
      allowed_payment_method_types: ['card'],
      metadata: expect.objectContaining({ buyer_email: user.email }),
    });
    const account = await t.prisma.account.findFirstOrThrow({ where: { externalId: user.sub } });
    expect(setup.customer).toBe(account.stripeCustomerId);

    const two = await cards(auth);
    expect(two).toHaveLength(2);
    const added = two.find((card) => card.id !== first.id) as CardBody;
    expect(added).toMatchObject({ brand: 'mastercard', last4: '4444', isDefault: false });
    expect(two.find((card) => card.id === first.id)?.isDefault).toBe(true);

    const afterDefault = await t.http
      .post(`/api/payment-methods/${added.id}/default`)
      .set(auth)
      .expect(200);
    expect(
      (afterDefault.body as CardBody[]).map((card) => [card.id, card.isDefault]).sort(),
    ).toEqual(
      [
        [added.id, true],
        [first.id, false],
      ].sort(),
    );
    const customer = (await stripe.customers.retrieve(
      account.stripeCustomerId as string,
    )) as Stripe.Customer;
    expect(customer.invoice_settings.default_payment_method).toBe(added.id);
    expect((await stripe.subscriptions.retrieve(subscriptionId)).default_payment_method).toBe(
      added.id,
    );

    const afterRemove = await t.http
      .delete(`/api/payment-methods/${first.id}`)
      .set(auth)
      .expect(200);
    expect(afterRemove.body).toEqual([expect.objectContaining({ id: added.id, isDefault: true })]);
    expect((await stripe.paymentMethods.retrieve(first.id)).customer).toBeNull();
    await flushWebhooks(t.service);
    const old = await t.prisma.paymentMethod.findUniqueOrThrow({ where: { stripeId: first.id } });
    expect(old.detachedAt).not.toBeNull();
    expect(await cards(auth)).toEqual([expect.objectContaining({ id: added.id, isDefault: true })]);

    const last = await t.http.delete(`/api/payment-methods/${added.id}`).set(auth).expect(409);
    expect(last.body.error_code).toBe('LAST_PAYMENT_METHOD');
    expect((await stripe.paymentMethods.retrieve(added.id)).customer).toBe(customer.id);
    // The next renewal is charged to the card that stayed.
    const renewal = await stripe.subscriptions.retrieve(subscriptionId);
    expect(renewal.default_payment_method).toBe(added.id);
  });

  it('removing the default card makes the newest other card the default', async () => {
    const auth = bearer(signToken(newUser('cards-default')));
    const subscriptionId = await subscribe(auth);
    const [first] = await cards(auth);
    await addCard(auth, '378282246310005');
    const amex = (await cards(auth)).find((card) => card.brand === 'amex') as CardBody;
    const res = await t.http.delete(`/api/payment-methods/${first.id}`).set(auth).expect(200);
    expect(res.body).toEqual([expect.objectContaining({ id: amex.id, isDefault: true })]);
    expect((await stripe.subscriptions.retrieve(subscriptionId)).default_payment_method).toBe(
      amex.id,
    );
  });

  it('lets an account without a live subscription remove its only card', async () => {
    const auth = bearer(signToken(newUser('cards-none')));
    await addCard(auth, '4242424242424242');
    const [only] = await cards(auth);
    expect(only).toMatchObject({ brand: 'visa', isDefault: false });
    await t.http.delete(`/api/payment-methods/${only.id}`).set(auth).expect(200, []);
  });

  it('keeps a card saved before its customer was linked to the account; a resync sets the default flag', async () => {
    // Stripe Checkout made the customer here: the card and the default were reported before
    // checkout.session.completed linked the account.
    const bought = await subscribeThroughStripe(t);
    const auth = bearer(bought.token);
    const [card] = await cards(auth);
    expect(card).toMatchObject({ brand: 'visa', last4: '4242' });
    await t.http.post('/api/admin/sync').set('X-Admin-Key', TEST_ADMIN_KEY).expect(200);
    expect(await cards(auth)).toEqual([expect.objectContaining({ id: card.id, isDefault: true })]);
  });

  it("refuses other accounts' cards (404) and members without the billing role (403)", async () => {
    const org = `org_${Date.now()}_${Math.random().toString(36).slice(2)}`;
    const owner = bearer(signToken({ ...newUser('owner'), org_id: org, org_role: 'owner' }));
    const member = bearer(signToken({ ...newUser('member'), org_id: org, org_role: 'member' }));
    await subscribe(owner);
    const [card] = await cards(owner);

    for (const call of [
      () => t.http.get('/api/payment-methods').set(member),
      () => t.http.post('/api/payment-methods/setup').set(member).send({}),
      () => t.http.post(`/api/payment-methods/${card.id}/default`).set(member),
      () => t.http.delete(`/api/payment-methods/${card.id}`).set(member),
    ]) {
      const res = await call().expect(403);
      expect(res.body.error_code).toBe('BILLING_ROLE_REQUIRED');
    }

    const stranger = bearer(signToken(newUser('stranger')));
    expect(await cards(stranger)).toEqual([]);
    for (const call of [
      () => t.http.post(`/api/payment-methods/${card.id}/default`).set(stranger),
      () => t.http.delete(`/api/payment-methods/${card.id}`).set(stranger),
    ]) {
      const res = await call().expect(404);
      expect(res.body.error_code).toBe('PAYMENT_METHOD_NOT_FOUND');
    }
    // Nothing changed at Stripe.
    expect((await stripe.paymentMethods.retrieve(card.id)).customer).not.toBeNull();
    expect(await cards(owner)).toEqual([expect.objectContaining({ id: card.id, isDefault: true })]);

    const malformed = await t.http.delete('/api/payment-methods/card_1').set(owner).expect(400);
    expect(malformed.body.error_code).toBe('VALIDATION_FAILED');
    const badPath = await t.http
      .post('/api/payment-methods/setup')
      .set(owner)
      .send({ successPath: 'https://evil.example' })
      .expect(400);
    expect(badPath.body.error_code).toBe('VALIDATION_FAILED');
  });

  it('puts the buyer e-mail and the allowed payment method types on every checkout', async () => {
    const user = newUser('meta');
    const res = await t.http
      .post('/api/checkout/sessions')
      .set(bearer(signToken(user)))
      .send({ priceId: 'price_credits_1000' })
      .expect(201);
    const session = await stripe.checkout.sessions.retrieve(res.body.sessionId as string);
    expect(session.metadata).toMatchObject({ buyer_email: user.email });
    expect(session.allowed_payment_method_types).toEqual(['card']);
    expect(session.payment_method_types).toEqual(['card']);
  });

  it("the emulator refuses payment method types it does not take, as Stripe refuses ones it can't", async () => {
    const base = {
      mode: 'setup' as const,
      success_url: 'http://localhost/ok',
      cancel_url: 'http://localhost/no',
    };
    await expect(
      stripe.checkout.sessions.create({ ...base, allowed_payment_method_types: ['ideal'] }),
    ).rejects.toMatchObject({ type: 'StripeInvalidRequestError', param: expect.any(String) });
    await expect(
      stripe.checkout.sessions.create({
        ...base,
        allowed_payment_method_types: ['not_a_type'],
      }),
    ).rejects.toMatchObject({ type: 'StripeInvalidRequestError' });
    // Without the types, setup mode needs the currency to know what to offer.
    await expect(stripe.checkout.sessions.create(base)).rejects.toMatchObject({
      code: 'parameter_missing',
      param: 'currency',
    });
    const ok = await stripe.checkout.sessions.create({
      ...base,
      allowed_payment_method_types: ['card'],
    });
    expect(ok).toMatchObject({ currency: null, allowed_payment_method_types: ['card'] });
  });
});
