import type Stripe from 'stripe';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { expectEnvelope } from '../support/envelope';
import { newAccount, type TestAccount } from '../support/one-time-flows';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, TEST_ADMIN_KEY } from '../support/tokens';

interface SubscriptionBody {
  id: string;
  status: string;
  trialEnd: string | null;
  trialEndBehavior: string | null;
  paymentMethodRequired: boolean;
  entitled: boolean;
}

const DAY = 86_400;

/**
 * Trials without a card (TRIAL_WITHOUT_CARD=pause, and a price whose metadata says cancel):
 * Checkout asks for no card, the account page is told a card is needed, the trial's end pauses
 * (or cancels) the subscription and entitlements follow; a card added in the portal and a resume
 * bring the features back; support can extend a trial.
 */
describe('trials without a card', () => {
  let t: TestService;
  let stripe: Stripe;

  beforeAll(async () => {
    t = await startTestService({ TRIAL_WITHOUT_CARD: 'pause', TRIAL_DAYS: '7' });
    stripe = emulatorStripe(t.service);
    await flushWebhooks(t.service);
  });
  afterAll(async () => {
    await t?.close();
  });

  const advance = async (seconds: number): Promise<void> => {
    await control(t.service, '/clock/advance', { seconds });
    await flushWebhooks(t.service);
  };

  const current = async (account: TestAccount): Promise<SubscriptionBody> =>
    (await t.http.get('/api/subscriptions/current').set(bearer(account.token)).expect(200)).body
      .subscription as SubscriptionBody;

  const entitled = async (account: TestAccount, feature: string): Promise<boolean> =>
    (
      (await t.http.get(`/api/entitlements/${feature}`).set(bearer(account.token)).expect(200))
        .body as { entitled: boolean }
    ).entitled;

  /** Checkout through the API, completed on Stripe's side with no card. */
  async function startCardlessTrial(priceId: string): Promise<TestAccount> {
    const account = await newAccount(t);
    const created = await t.http
      .post('/api/checkout/sessions')
      .set(bearer(account.token))
      .send({ priceId })
      .expect(201);
    const sessionId = (created.body as { sessionId: string }).sessionId;
    const session = await stripe.checkout.sessions.retrieve(sessionId);
    expect(session.payment_method_collection).toBe('if_required');
    const page = await (await fetch(session.url as string)).text();
    expect(page).toContain('No card is needed today');
    await control(t.service, `/checkout/sessions/${sessionId}/complete`, {
      card: null,
      email: account.user.email,
    });
    await flushWebhooks(t.service);
    return account;
  }

  /** The card a customer adds in the billing portal ("Add a card to continue"). */
  async function addCardInPortal(account: TestAccount): Promise<void> {
    const portal = await t.http
      .post('/api/portal/sessions')
      .set(bearer(account.token))
      .send({ flow: 'payment_method_update' })
      .expect(200);
    const url = (portal.body as { url: string }).url;
    const form = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      redirect: 'manual',
      body: new URLSearchParams({ action: 'update_card', card_number: '4242424242424242' }),
    });
    expect(form.status).toBeLessThan(400);
    await flushWebhooks(t.service);
  }

  const extendTrial = (id: string, body: unknown, key: string | null = TEST_ADMIN_KEY) => {
    const request = t.http.post(`/api/admin/subscriptions/${id}/trial`);
    return (key === null ? request : request.set('X-Admin-Key', key)).send(body as object);
  };

  it('pauses a trial that ends without a card, cancels one whose price says so, and entitlements follow; a card and a resume restore them; support extends a trial', async () => {
    // A price of its own says `cancel` (its product keeps the service's `pause`).
    await stripe.prices.update('price_starter_monthly', {
      metadata: { trial_without_card: 'cancel' },
    });
    await flushWebhooks(t.service);

    const paused = await startCardlessTrial('price_pro_monthly');
    const canceled = await startCardlessTrial('price_starter_monthly');
    const extended = await startCardlessTrial('price_pro_monthly');

    const trialing = await current(paused);
    expect(trialing).toMatchObject({
      status: 'trialing',
      trialEndBehavior: 'pause',
      paymentMethodRequired: true,
      entitled: true,
    });
    expect(await current(canceled)).toMatchObject({
      status: 'trialing',
      trialEndBehavior: 'cancel',
      paymentMethodRequired: true,
    });
    expect(await entitled(paused, 'chat')).toBe(true);

    // Resuming needs a paused subscription; a trial is not one.
    const early = await t.http
      .post('/api/subscriptions/current/resume')
      .set(bearer(paused.token))
      .expect(409);
    expectEnvelope(early.body as Record<string, unknown>, 409, 'NOTHING_TO_RESUME');

    // --- support extends one trial by ten days (validation first: nothing changes) ---
    const ext = await current(extended);
    const oldEnd = new Date(ext.trialEnd as string);
    const later = new Date(oldEnd.getTime() + 10 * DAY * 1000);
    const refusals: [unknown, number, string, string | null][] = [
      [{ trialEnd: later.toISOString() }, 401, 'UNAUTHENTICATED', null],
      [{ trialEnd: 'next week' }, 400, 'VALIDATION_FAILED', TEST_ADMIN_KEY],
      [{}, 400, 'VALIDATION_FAILED', TEST_ADMIN_KEY],
      [{ trialEnd: later.toISOString(), extra: true }, 400, 'VALIDATION_FAILED', TEST_ADMIN_KEY],
      [{ trialEnd: '2020-01-01T00:00:00Z' }, 400, 'TRIAL_END_NOT_IN_FUTURE', TEST_ADMIN_KEY],
      [
        { trialEnd: new Date(oldEnd.getTime() - DAY * 1000).toISOString() },
        400,
        'TRIAL_END_NOT_LATER',
        TEST_ADMIN_KEY,
      ],
      [{ trialEnd: oldEnd.toISOString() }, 400, 'TRIAL_END_NOT_LATER', TEST_ADMIN_KEY],
      [
        { trialEnd: new Date(oldEnd.getTime() + 800 * DAY * 1000).toISOString() },
        400,
        'TRIAL_END_TOO_FAR',
        TEST_ADMIN_KEY,
      ],
    ];
    for (const [body, status, code, key] of refusals) {
      const res = await extendTrial(ext.id, body, key).expect(status);
      expectEnvelope(res.body as Record<string, unknown>, status, code);
    }
    const missing = await extendTrial('sub_nope', { trialEnd: later.toISOString() }).expect(404);
    expectEnvelope(missing.body as Record<string, unknown>, 404, 'SUBSCRIPTION_NOT_FOUND');
    expect((await stripe.subscriptions.retrieve(ext.id)).trial_end).toBe(oldEnd.getTime() / 1000);

    const moved = await extendTrial(ext.id, { trialEnd: later.toISOString() }).expect(200);
    expect(moved.body).toMatchObject({ id: ext.id, status: 'trialing' });
    expect(new Date((moved.body as SubscriptionBody).trialEnd as string)).toEqual(later);
    expect((await stripe.subscriptions.retrieve(ext.id)).trial_end).toBe(later.getTime() / 1000);
    const row = await t.prisma.subscription.findUniqueOrThrow({ where: { stripeId: ext.id } });
    expect(row.trialEnd).toEqual(later);

    // --- the trials end without a card ---
    await advance(7 * DAY + 120);
    const pausedNow = await current(paused);
    expect(pausedNow).toMatchObject({
      status: 'paused',
      paymentMethodRequired: true,
      entitled: false,
      autoRenew: false,
    });
    expect(await entitled(paused, 'chat')).toBe(false);
    expect(
      (await t.http.get('/api/entitlements').set(bearer(paused.token)).expect(200)).body,
    ).toMatchObject({ features: [] });
    const canceledRow = await t.prisma.subscription.findFirstOrThrow({
      where: { accountId: canceled.accountId },
    });
    expect(canceledRow.status).toBe('canceled');
    expect(await entitled(canceled, 'chat')).toBe(false);
    // The extended trial is still running.
    expect(await current(extended)).toMatchObject({ status: 'trialing', entitled: true });

    // --- a paused subscription resumes only once a card is on file ---
    const noCard = await t.http
      .post('/api/subscriptions/current/resume')
      .set(bearer(paused.token))
      .expect(409);
    expectEnvelope(noCard.body as Record<string, unknown>, 409, 'PAYMENT_METHOD_REQUIRED');
    expect((await stripe.subscriptions.retrieve(pausedNow.id)).status).toBe('paused');

    // A trial cannot be extended once it has ended.
    const notTrialing = await extendTrial(pausedNow.id, {
      trialEnd: new Date(Date.now() + 400 * DAY * 1000).toISOString(),
    }).expect(409);
    expectEnvelope(notTrialing.body as Record<string, unknown>, 409, 'SUBSCRIPTION_NOT_TRIALING');

    await addCardInPortal(paused);
    expect(await current(paused)).toMatchObject({
      status: 'paused',
      paymentMethodRequired: false,
      entitled: false,
    });
    const resumed = await t.http
      .post('/api/subscriptions/current/resume')
      .set(bearer(paused.token))
      .expect(200);
    expect((resumed.body as { subscription: SubscriptionBody }).subscription).toMatchObject({
      status: 'active',
      paymentMethodRequired: false,
      entitled: true,
    });
    await flushWebhooks(t.service);
    expect(await entitled(paused, 'chat')).toBe(true);
    const payments = (await t.http.get('/api/payments').set(bearer(paused.token)).expect(200)).body
      .data as { status: string; amount: number }[];
    expect(payments).toContainEqual(expect.objectContaining({ status: 'COMPLETED', amount: 2900 }));
  });

  it('sends trial_will_end again when support moves a trial end that is within three days', async () => {
    const account = await startCardlessTrial('price_pro_monthly');
    const subscription = await current(account);
    const end = new Date(subscription.trialEnd as string);
    // Five days in: the first notice (three days before the end) has gone out.
    await advance(5 * DAY);
    const notices = () =>
      t.prisma.webhookEvent.count({
        where: { type: 'customer.subscription.trial_will_end', objectId: subscription.id },
      });
    expect(await notices()).toBe(1);
    const oneDayLater = new Date(end.getTime() + DAY * 1000);
    await extendTrial(subscription.id, { trialEnd: oneDayLater.toISOString() }).expect(200);
    await flushWebhooks(t.service);
    expect(await notices()).toBe(2);
    const row = await t.prisma.subscription.findUniqueOrThrow({
      where: { stripeId: subscription.id },
    });
    expect(row.trialEnd).toEqual(oneDayLater);
    await advance(3 * DAY + 120);
    expect(await current(account)).toMatchObject({ status: 'paused', entitled: false });
  });

  it('asks for a card when the setting or the price says off', async () => {
    await stripe.prices.update('price_pro_yearly', { metadata: { trial_without_card: 'off' } });
    await flushWebhooks(t.service);
    const account = await newAccount(t);
    const created = await t.http
      .post('/api/checkout/sessions')
      .set(bearer(account.token))
      .send({ priceId: 'price_pro_yearly' })
      .expect(201);
    const session = await stripe.checkout.sessions.retrieve(
      (created.body as { sessionId: string }).sessionId,
    );
    expect(session.payment_method_collection).toBe('always');
  });
});
