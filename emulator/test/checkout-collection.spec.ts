import type Stripe from 'stripe';
import { DAY, SANDBOX_CATALOG, startHarness, type Harness } from './support/harness';

describe("Checkout's payment_method_collection and billing_address_collection", () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
  });
  afterAll(() => harness.close());

  const address = { line1: '5 Rue Paris', city: 'Lyon', postal_code: '69001', country: 'FR' };

  it('starts a trial without a card with payment_method_collection=if_required', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
      success_url: 'https://a.b/',
      payment_method_collection: 'if_required',
      subscription_data: {
        trial_period_days: 14,
        trial_settings: { end_behavior: { missing_payment_method: 'cancel' } },
      },
    });
    expect(session.payment_method_collection).toBe('if_required');
    const page = await (await fetch(`${harness.emulator.url}/checkout/${session.id}`)).text();
    expect(page).toContain('No card is needed today');
    expect(page).not.toContain('id="card_number"');
    const done = await harness.control<Stripe.Checkout.Session>(
      `checkout/sessions/${session.id}/complete`,
      { card: null, email: 'cardless@example.com' },
    );
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'complete', payment_status: 'no_payment_required' });
    const subscription = await stripe.subscriptions.retrieve(done.body.subscription as string);
    expect(subscription).toMatchObject({
      status: 'trialing',
      default_payment_method: null,
      trial_settings: { end_behavior: { missing_payment_method: 'cancel' } },
    });
    expect(
      (await stripe.paymentMethods.list({ customer: done.body.customer as string })).data,
    ).toHaveLength(0);
    await harness.control('clock/advance', { seconds: 14 * DAY + 60 });
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('canceled');
  });

  it('still asks for a card when something is due, and refuses the setting in payment mode', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
      success_url: 'https://a.b/',
      payment_method_collection: 'if_required',
    });
    const refused = await harness.control(`checkout/sessions/${session.id}/complete`, {
      card: null,
    });
    expect(refused.status).toBe(400);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    expect(
      (await stripe.customers.list({ limit: 100 })).data.some(
        (c) => c.email === 'customer@example.com',
      ),
    ).toBe(false);
    await expect(
      stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ price: 'price_credits_1000', quantity: 1 }],
        success_url: 'https://a.b/',
        payment_method_collection: 'if_required',
      }),
    ).rejects.toMatchObject({ param: 'payment_method_collection' });
  });

  it('requires a full billing address with billing_address_collection=required, and keeps it', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: 'price_starter_monthly', quantity: 1 }],
      success_url: 'https://a.b/',
      billing_address_collection: 'required',
    });
    expect(session.billing_address_collection).toBe('required');
    const page = await (await fetch(`${harness.emulator.url}/checkout/${session.id}`)).text();
    expect(page).toContain('id="address_line1"');
    const missing = await harness.control<{ error: { param: string } }>(
      `checkout/sessions/${session.id}/complete`,
      { email: 'billing@example.com', address: { line1: '5 Rue Paris' } },
    );
    expect(missing.status).toBe(400);
    expect(missing.body.error.param).toBe('billing_address[city]');
    const form = await fetch(`${harness.emulator.url}/checkout/${session.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      redirect: 'manual',
      body: new URLSearchParams({
        email: 'billing@example.com',
        name: 'Bea Billing',
        card_number: '4242424242424242',
        card_expiry: '12 / 40',
        card_cvc: '123',
        address_line1: address.line1,
        address_city: address.city,
        address_postal_code: address.postal_code,
        address_country: address.country,
      }).toString(),
    });
    expect(form.status).toBe(303);
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['customer'] });
    expect(done.customer_details?.address).toMatchObject({ ...address, line2: null, state: null });
    expect((done.customer as Stripe.Customer).address).toMatchObject(address);
    const subscription = await stripe.subscriptions.retrieve(done.subscription as string, {
      expand: ['default_payment_method'],
    });
    expect(
      (subscription.default_payment_method as Stripe.PaymentMethod).billing_details,
    ).toMatchObject({
      name: 'Bea Billing',
      address,
    });
  });
});
