import type Stripe from 'stripe';
import {
  SANDBOX_CATALOG,
  eventTypesAfter,
  latestEventId,
  startHarness,
  type Harness,
} from './support/harness';

describe('setup-mode Checkout: saving a card for later', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
  });
  afterAll(() => harness.close());

  it('attaches the card through a succeeded SetupIntent, charges nothing, keeps the default', async () => {
    const customer = await stripe.customers.create({ email: 'saver@example.com' });
    const first = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stripe.customers.update(customer.id, {
      invoice_settings: { default_payment_method: first.id },
    });
    const session = await stripe.checkout.sessions.create({
      mode: 'setup',
      currency: 'usd',
      customer: customer.id,
      success_url: 'https://a.b/',
      setup_intent_data: { metadata: { accountId: 'acc-1' } },
    });
    expect(session).toMatchObject({
      mode: 'setup',
      amount_total: null,
      payment_status: 'no_payment_required',
      status: 'open',
    });
    const marker = await latestEventId(stripe);
    await harness.control(`checkout/sessions/${session.id}/complete`, {
      card: '5555555555554444',
    });
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['setup_intent'] });
    const intent = done.setup_intent as Stripe.SetupIntent;
    expect(done.status).toBe('complete');
    expect(intent).toMatchObject({
      status: 'succeeded',
      customer: customer.id,
      usage: 'off_session',
      metadata: { accountId: 'acc-1' },
    });
    const types = await eventTypesAfter(stripe, marker);
    expect(types).toEqual([
      'payment_method.attached',
      'setup_intent.created',
      'setup_intent.succeeded',
      'checkout.session.completed',
    ]);
    const cards = await stripe.customers.listPaymentMethods(customer.id);
    expect(cards.data.map((card) => card.card?.brand).sort()).toEqual(['mastercard', 'visa']);
    expect(cards.data.some((card) => card.id === intent.payment_method)).toBe(true);
    const after = await stripe.customers.retrieve(customer.id);
    expect((after as Stripe.Customer).invoice_settings.default_payment_method).toBe(first.id);
    expect((await stripe.paymentIntents.list({ customer: customer.id })).data).toHaveLength(0);
    expect((await stripe.setupIntents.list({ customer: customer.id })).data).toHaveLength(1);
  });

  it('refuses what setup mode cannot take', async () => {
    const base = { mode: 'setup' as const, success_url: 'https://a.b/' };
    await expect(stripe.checkout.sessions.create(base)).rejects.toMatchObject({
      code: 'parameter_missing',
      param: 'currency',
    });
    await expect(
      stripe.checkout.sessions.create({
        ...base,
        currency: 'usd',
        line_items: [{ price: 'price_credits_1000' }],
      }),
    ).rejects.toMatchObject({ param: 'line_items' });
    await expect(
      stripe.checkout.sessions.create({ ...base, currency: 'usd', allow_promotion_codes: true }),
    ).rejects.toMatchObject({ param: 'allow_promotion_codes' });
    await expect(
      stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ price: 'price_credits_1000' }],
        success_url: 'https://a.b/',
        setup_intent_data: { metadata: { a: 'b' } },
      }),
    ).rejects.toMatchObject({ param: 'setup_intent_data' });
    await expect(stripe.setupIntents.retrieve('seti_missing')).rejects.toMatchObject({
      code: 'resource_missing',
    });
  });
});
