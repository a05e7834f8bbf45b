import Stripe from 'stripe';
import { DAY, SANDBOX_CATALOG, startHarness, type Harness } from './support/harness';

describe("Stripe's test cards", () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
  });
  afterAll(() => harness.close());

  const thisYear = new Date().getUTCFullYear();

  it('refuses an expiry in the past when a card is entered', async () => {
    const pastYear = await stripe.paymentMethods
      .create({
        type: 'card',
        card: { number: '4242424242424242', exp_month: 1, exp_year: thisYear - 1 },
      })
      .catch((caught: unknown) => caught);
    expect(pastYear).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(pastYear).toMatchObject({ code: 'invalid_expiry_year', param: 'card[exp_year]' });
    const badMonth = await stripe.paymentMethods
      .create({
        type: 'card',
        card: { number: '4242424242424242', exp_month: 13, exp_year: thisYear + 1 },
      })
      .catch((caught: unknown) => caught);
    expect(badMonth).toMatchObject({ code: 'invalid_expiry_month', param: 'card[exp_month]' });

    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: 'price_credits_1000', quantity: 1 }],
      success_url: 'https://a.b/',
    });
    const page = await fetch(`${harness.emulator.url}/checkout/${session.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        email: 'late@example.com',
        card_number: '4242424242424242',
        card_expiry: `01 / ${String(thisYear - 2001).padStart(2, '0')}`,
        card_cvc: '123',
      }).toString(),
    });
    expect(page.status).toBe(402);
    expect(await page.text()).toMatch(/expiration year is invalid/);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
  });

  it('declines the expired-card number with expired_card, at attach and at checkout', async () => {
    const customer = await stripe.customers.create({ email: 'expired@example.com' });
    const error = await stripe.paymentMethods
      .attach('pm_card_chargeDeclinedExpiredCard', { customer: customer.id })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'expired_card', decline_code: 'expired_card' });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
      success_url: 'https://a.b/',
    });
    const declined = await harness.control(`checkout/sessions/${session.id}/complete`, {
      card: '4000000000000069',
    });
    expect(declined.status).toBe(402);
    expect(declined.body).toMatchObject({ error: { code: 'expired_card' } });
  });

  it('declines with the documented codes and knows the brands and funding types', async () => {
    for (const [token, declineCode] of [
      ['pm_card_chargeDeclinedVelocityLimitExceeded', 'card_velocity_exceeded'],
      ['pm_card_radarBlock', 'fraudulent'],
      ['pm_card_chargeDeclinedProcessingError', 'processing_error'],
    ] as const) {
      await expect(
        stripe.paymentIntents.create({
          amount: 100,
          currency: 'usd',
          payment_method: token,
          confirm: true,
        }),
      ).rejects.toMatchObject({ decline_code: declineCode });
    }
    const debit = await stripe.paymentMethods.create({
      type: 'card',
      card: { token: 'pm_card_visa_debit' },
    });
    expect(debit.card).toMatchObject({ brand: 'visa', funding: 'debit' });
    const jcb = await stripe.paymentMethods.create({
      type: 'card',
      card: { number: '3566002020360505', exp_month: 12, exp_year: thisYear + 2 },
    });
    expect(jcb.card).toMatchObject({ brand: 'jcb', last4: '0505' });
  });

  it('declines a saved card once it has expired, as the clock moves past its expiry', async () => {
    const start = Math.floor(Date.UTC(thisYear + 1, 0, 15) / 1000);
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start });
    const customer = await stripe.customers.create({
      email: 'ages@example.com',
      test_clock: clock.id,
    });
    const method = await stripe.paymentMethods.create({
      type: 'card',
      card: { number: '4242424242424242', exp_month: 2, exp_year: thisYear + 1 },
    });
    await stripe.paymentMethods.attach(method.id, { customer: customer.id });
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: 'price_starter_monthly' }],
      default_payment_method: method.id,
    });
    expect(subscription.status).toBe('active');
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start + 60 * DAY });
    const invoices = await stripe.invoices.list({
      subscription: subscription.id,
      expand: ['data.payments.data.payment.payment_intent'],
    });
    const latest = invoices.data[0];
    expect(latest.status).toBe('open');
    const intent = latest.payments?.data[0].payment.payment_intent as Stripe.PaymentIntent;
    expect(intent.last_payment_error?.decline_code).toBe('expired_card');
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');
  });
});
