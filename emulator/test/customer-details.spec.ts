import Stripe from 'stripe';
import {
  SANDBOX_CATALOG,
  eventTypesAfter,
  latestEventId,
  startHarness,
  type Harness,
} from './support/harness';

describe('customer details, billing details and tax codes', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
  });
  afterAll(() => harness.close());

  const address = {
    line1: '1 Main St',
    city: 'Springfield',
    postal_code: '12345',
    state: 'OR',
    country: 'US',
  };

  it('keeps address, shipping, tax status, locales, name and phone, and unsets them', async () => {
    const customer = await stripe.customers.create({
      email: 'details@example.com',
      name: 'Dee Tails',
      phone: '+15555550100',
      address,
      shipping: { name: 'Dee at work', address: { ...address, line2: 'Floor 2' } },
      tax_exempt: 'reverse',
      preferred_locales: ['fr', 'en'],
    });
    expect(customer).toMatchObject({
      name: 'Dee Tails',
      phone: '+15555550100',
      address: { ...address, line2: null },
      shipping: { name: 'Dee at work', phone: null, address: { line2: 'Floor 2' } },
      tax_exempt: 'reverse',
      preferred_locales: ['fr', 'en'],
    });
    const marker = await latestEventId(stripe);
    const updated = await stripe.customers.update(customer.id, {
      address: '',
      shipping: '',
      tax_exempt: '',
      preferred_locales: ['de'],
    });
    expect(updated).toMatchObject({
      address: null,
      shipping: null,
      tax_exempt: 'none',
      preferred_locales: ['de'],
    });
    expect(await eventTypesAfter(stripe, marker)).toEqual(['customer.updated']);
    await expect(
      stripe.customers.update(customer.id, { tax_exempt: 'sometimes' as 'exempt' }),
    ).rejects.toMatchObject({ param: 'tax_exempt' });
    await expect(
      stripe.customers.create({
        shipping: { name: 'No address' } as Stripe.CustomerCreateParams.Shipping,
      }),
    ).rejects.toMatchObject({ code: 'parameter_missing', param: 'shipping[address]' });
  });

  it('copies the customer onto invoices until they are finalized', async () => {
    const customer = await stripe.customers.create({
      email: 'invoice-details@example.com',
      name: 'Ivy',
      address,
      tax_exempt: 'exempt',
      payment_method: 'pm_card_visa',
    });
    const methods = await stripe.paymentMethods.list({ customer: customer.id });
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: 'price_starter_monthly' }],
      default_payment_method: methods.data[0].id,
    });
    const invoice = await stripe.invoices.retrieve(subscription.latest_invoice as string);
    expect(invoice).toMatchObject({
      customer_name: 'Ivy',
      customer_email: 'invoice-details@example.com',
      customer_address: { line1: '1 Main St' },
      customer_tax_exempt: 'exempt',
    });
    await stripe.customers.update(customer.id, { name: 'Ivy Renamed' });
    // Finalized: frozen.
    expect((await stripe.invoices.retrieve(invoice.id)).customer_name).toBe('Ivy');
  });

  it('keeps payment-method billing details, on the charge too, and announces updates', async () => {
    const method = await stripe.paymentMethods.create({
      type: 'card',
      card: { number: '4242424242424242', exp_month: 12, exp_year: 2040, cvc: '123' },
      billing_details: { name: 'Bill Ing', email: 'bill@example.com', address },
    });
    expect(method.billing_details).toMatchObject({
      name: 'Bill Ing',
      email: 'bill@example.com',
      phone: null,
      address: { line1: '1 Main St', line2: null },
    });
    const customer = await stripe.customers.create({ email: 'bill@example.com' });
    await stripe.paymentMethods.attach(method.id, { customer: customer.id });
    const marker = await latestEventId(stripe);
    const updated = await stripe.paymentMethods.update(method.id, {
      billing_details: { phone: '+15555550199', name: '' },
      card: { exp_year: 2041 },
    });
    expect(updated.billing_details).toMatchObject({ phone: '+15555550199', name: null });
    expect(updated.card?.exp_year).toBe(2041);
    expect(await eventTypesAfter(stripe, marker)).toEqual(['payment_method.updated']);
    const intent = await stripe.paymentIntents.create({
      amount: 500,
      currency: 'usd',
      customer: customer.id,
      payment_method: method.id,
      confirm: true,
      expand: ['latest_charge'],
    });
    expect((intent.latest_charge as Stripe.Charge).billing_details).toMatchObject({
      phone: '+15555550199',
      email: 'bill@example.com',
    });
  });

  it('keeps a product tax code and refuses an unknown one', async () => {
    const product = await stripe.products.create({ name: 'Taxed', tax_code: 'txcd_10103001' });
    expect(product.tax_code).toBe('txcd_10103001');
    expect((await stripe.products.update(product.id, { tax_code: '' })).tax_code).toBeNull();
    const marker = await latestEventId(stripe);
    await expect(
      stripe.products.create({ name: 'Bad code', tax_code: 'general' }),
    ).rejects.toMatchObject({ code: 'resource_missing', param: 'tax_code' });
    expect(await eventTypesAfter(stripe, marker)).toEqual([]);
  });

  it('changes nothing when a create or update is refused', async () => {
    const marker = await latestEventId(stripe);
    const before = (await stripe.customers.list({ limit: 100 })).data.length;
    await expect(
      stripe.customers.create({ email: 'never@example.com', payment_method: 'pm_missing' }),
    ).rejects.toMatchObject({ statusCode: 404 });
    await expect(
      stripe.customers.create({
        email: 'declined@example.com',
        payment_method: 'pm_card_visa_chargeDeclined',
      }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeCardError);
    expect((await stripe.customers.list({ limit: 100 })).data).toHaveLength(before);
    const customer = await stripe.customers.create({ email: 'kept@example.com' });
    const afterCreate = await latestEventId(stripe);
    await expect(
      stripe.customers.update(customer.id, {
        email: 'changed@example.com',
        invoice_settings: { default_payment_method: 'pm_missing' },
      }),
    ).rejects.toMatchObject({ statusCode: 404 });
    expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).email).toBe(
      'kept@example.com',
    );
    expect(await eventTypesAfter(stripe, afterCreate)).toEqual([]);
    expect(await eventTypesAfter(stripe, marker)).toEqual(['customer.created']);
  });
});
