import type Stripe from 'stripe';
import {
  SANDBOX_CATALOG,
  eventTypesAfter,
  latestEventId,
  startHarness,
  type Harness,
} from './support/harness';

const BERLIN = { line1: 'Unter den Linden 1', city: 'Berlin', postal_code: '10117', country: 'DE' };

describe('Stripe Tax (emulated): automatic tax on Checkout, subscriptions and invoices', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
  });
  afterAll(() => harness.close());

  it('collects the address at Checkout, saves it onto the customer and taxes the subscription at 19 % in DE', async () => {
    const customer = await stripe.customers.create({ email: 'tax-de@example.com' });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: 'price_pro_monthly' }],
      success_url: 'https://a.b/ok',
      automatic_tax: { enabled: true },
      customer_update: { address: 'auto', name: 'auto' },
      tax_id_collection: { enabled: true },
      billing_address_collection: 'auto',
    });
    expect(session.automatic_tax).toMatchObject({
      enabled: true,
      provider: 'stripe',
      status: 'requires_location_inputs',
    });
    expect(session.tax_id_collection).toEqual({ enabled: true, required: 'never' });
    expect(session.total_details?.amount_tax).toBe(0);

    // Without an address, Checkout cannot compute tax: the page asks for one.
    const missing = await harness.control(`checkout/sessions/${session.id}/complete`, {});
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toContain('billing_address[country]');

    const marker = await latestEventId(stripe);
    const done = await harness.control(`checkout/sessions/${session.id}/complete`, {
      address: BERLIN,
      businessName: 'Beispiel GmbH',
      taxId: { type: 'eu_vat', value: 'DE123456789' },
    });
    expect(done.status).toBe(200);
    const completed = await stripe.checkout.sessions.retrieve(session.id);
    expect(completed.automatic_tax.status).toBe('complete');
    expect(completed.total_details?.amount_tax).toBe(551);
    expect(completed.amount_total).toBe(2900 + 551);
    expect(completed.customer_details).toMatchObject({
      business_name: 'Beispiel GmbH',
      tax_ids: [{ type: 'eu_vat', value: 'DE123456789' }],
      address: { country: 'DE', postal_code: '10117' },
    });

    const saved = await stripe.customers.retrieve(customer.id);
    expect(saved).toMatchObject({ name: 'Beispiel GmbH', address: { country: 'DE' } });
    const taxIds = await stripe.customers.listTaxIds(customer.id);
    expect(taxIds.data).toEqual([
      expect.objectContaining({ type: 'eu_vat', value: 'DE123456789', country: 'DE' }),
    ]);

    const subscription = await stripe.subscriptions.retrieve(completed.subscription as string);
    expect(subscription.automatic_tax).toMatchObject({ enabled: true });
    const invoice = await stripe.invoices.retrieve(subscription.latest_invoice as string);
    expect(invoice).toMatchObject({
      status: 'paid',
      subtotal: 2900,
      total: 3451,
      amount_paid: 3451,
      total_excluding_tax: 2900,
      automatic_tax: { enabled: true, status: 'complete', provider: 'stripe' },
      customer_tax_ids: [{ type: 'eu_vat', value: 'DE123456789' }],
      customer_name: 'Beispiel GmbH',
    });
    expect(invoice.total_taxes).toEqual([
      expect.objectContaining({ amount: 551, taxable_amount: 2900, tax_behavior: 'exclusive' }),
    ]);
    expect(invoice.lines.data[0].taxes).toEqual([expect.objectContaining({ amount: 551 })]);
    const rateId = invoice.total_taxes?.[0]?.tax_rate_details?.tax_rate as string;
    const rate = await stripe.taxRates.retrieve(rateId);
    expect(rate).toMatchObject({ percentage: 19, country: 'DE', tax_type: 'vat' });

    // The next renewal's preview is taxed the same way.
    const preview = await stripe.invoices.createPreview({ subscription: subscription.id });
    expect(preview).toMatchObject({
      subtotal: 2900,
      total: 3451,
      automatic_tax: { enabled: true, status: 'complete' },
    });

    const types = await eventTypesAfter(stripe, marker);
    expect(types).toEqual(expect.arrayContaining(['customer.updated', 'customer.tax_id.created']));
    expect(types.indexOf('customer.updated')).toBeLessThan(types.indexOf('invoice.paid'));
  });

  it('taxes a one-time purchase and its receipt from the customer address; US outside the table is 0 %', async () => {
    const customer = await stripe.customers.create({
      email: 'tax-gb@example.com',
      address: { line1: '1 High St', city: 'London', postal_code: 'SW1A 1AA', country: 'GB' },
    });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      customer: customer.id,
      line_items: [{ price: 'price_credits_1000' }],
      success_url: 'https://a.b/ok',
      automatic_tax: { enabled: true },
      invoice_creation: { enabled: true },
    });
    expect(session.automatic_tax.status).toBe('complete');
    expect(session.total_details?.amount_tax).toBe(380);
    expect(session.amount_total).toBe(2280);
    await harness.control(`checkout/sessions/${session.id}/complete`, {});
    const completed = await stripe.checkout.sessions.retrieve(session.id);
    const receipt = await stripe.invoices.retrieve(completed.invoice as string);
    expect(receipt).toMatchObject({ total: 2280, amount_paid: 2280, status: 'paid' });

    const oregon = await stripe.customers.create({
      address: {
        line1: '1 Main St',
        city: 'Portland',
        postal_code: '97201',
        state: 'OR',
        country: 'US',
      },
    });
    const subscription = await stripe.subscriptions.create({
      customer: oregon.id,
      items: [{ price: 'price_pro_monthly' }],
      automatic_tax: { enabled: true },
      payment_behavior: 'default_incomplete',
    });
    const invoice = await stripe.invoices.retrieve(subscription.latest_invoice as string);
    expect(invoice.total).toBe(2900);
    expect(invoice.total_taxes).toEqual([
      expect.objectContaining({ amount: 0, taxability_reason: 'not_collecting' }),
    ]);
  });

  it('the hosted page asks for the address and a tax id, and shows the tax once it is known', async () => {
    const customer = await stripe.customers.create({ email: 'page-tax@example.com' });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      customer: customer.id,
      line_items: [{ price: 'price_credits_1000' }],
      success_url: 'https://a.b/ok',
      automatic_tax: { enabled: true },
      customer_update: { address: 'auto', name: 'auto' },
      tax_id_collection: { enabled: true },
    });
    const page = await (await fetch(session.url as string)).text();
    expect(page).toContain('name="address_country"');
    expect(page).toContain('name="tax_id_value"');
    expect(page).toContain('Tax is calculated from your billing address');
    const form = new URLSearchParams({
      card_number: '4242424242424242',
      card_expiry: '12 / 34',
      card_cvc: '123',
      address_line1: '1 rue de Rivoli',
      address_city: 'Paris',
      address_postal_code: '75001',
      address_country: 'FR',
      business_name: 'Exemple SAS',
      tax_id_type: 'eu_vat',
      tax_id_value: 'FR12345678901',
    });
    const paid = await fetch(session.url as string, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      redirect: 'manual',
    });
    expect(paid.status).toBe(303);
    const completed = await stripe.checkout.sessions.retrieve(session.id);
    expect(completed).toMatchObject({
      status: 'complete',
      amount_total: 2280,
      total_details: { amount_tax: 380 },
    });
    expect(await stripe.customers.retrieve(customer.id)).toMatchObject({
      name: 'Exemple SAS',
      address: { country: 'FR' },
    });
  });

  it('refuses what Stripe refuses, changing nothing', async () => {
    const bare = await stripe.customers.create({ email: 'no-address@example.com' });
    const refused: [Partial<Stripe.Checkout.SessionCreateParams>, Record<string, string>][] = [
      [
        { customer: bare.id, automatic_tax: { enabled: true } },
        { param: 'customer_update[address]' },
      ],
      [
        { customer: bare.id, tax_id_collection: { enabled: true } },
        { param: 'customer_update[name]' },
      ],
      [{ customer_update: { address: 'auto' } }, { param: 'customer_update' }],
      [{ customer: bare.id, customer_update: { shipping: 'auto' } }, { code: 'parameter_unknown' }],
    ];
    for (const [params, error] of refused)
      await expect(
        stripe.checkout.sessions.create({
          mode: 'subscription',
          line_items: [{ price: 'price_pro_monthly' }],
          success_url: 'https://a.b/ok',
          ...params,
        }),
      ).rejects.toMatchObject(error);
    const marker = await latestEventId(stripe);
    await expect(
      stripe.subscriptions.create({
        customer: bare.id,
        items: [{ price: 'price_pro_monthly' }],
        automatic_tax: { enabled: true },
      }),
    ).rejects.toMatchObject({ code: 'customer_tax_location_invalid' });
    expect(await eventTypesAfter(stripe, marker)).toEqual([]);
  });
});

describe('customer tax ids', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
  });
  afterAll(() => harness.close());

  it('creates, lists, retrieves and deletes them, with events', async () => {
    const customer = await stripe.customers.create({ email: 'txi@example.com' });
    const marker = await latestEventId(stripe);
    const vat = await stripe.customers.createTaxId(customer.id, {
      type: 'gb_vat',
      value: 'gb 123456789',
    });
    expect(vat).toMatchObject({
      object: 'tax_id',
      type: 'gb_vat',
      value: 'GB123456789',
      country: 'GB',
      customer: customer.id,
      verification: { status: 'pending' },
    });
    expect(vat.id).toMatch(/^txi_/);
    const ein = await stripe.customers.createTaxId(customer.id, {
      type: 'us_ein',
      value: '12-3456789',
    });
    expect(ein.verification?.status).toBe('unavailable');
    const list = await stripe.customers.listTaxIds(customer.id);
    expect(list.data.map((taxId) => taxId.id).sort()).toEqual([vat.id, ein.id].sort());
    expect(await stripe.taxIds.retrieve(vat.id)).toMatchObject({ id: vat.id });
    expect(await stripe.customers.retrieveTaxId(customer.id, ein.id)).toMatchObject({ id: ein.id });
    expect(await stripe.customers.deleteTaxId(customer.id, vat.id)).toEqual({
      id: vat.id,
      object: 'tax_id',
      deleted: true,
    });
    await expect(stripe.taxIds.retrieve(vat.id)).rejects.toMatchObject({
      code: 'resource_missing',
    });
    expect(await eventTypesAfter(stripe, marker)).toEqual([
      'customer.tax_id.created',
      'customer.tax_id.created',
      'customer.tax_id.deleted',
    ]);
  });

  it('validates formats and types, and an error creates nothing', async () => {
    const customer = await stripe.customers.create({ email: 'bad-txi@example.com' });
    const other = await stripe.customers.create({ email: 'other-txi@example.com' });
    const marker = await latestEventId(stripe);
    for (const [type, value] of [
      ['eu_vat', 'DE12345'],
      ['eu_vat', 'XX123456789'],
      ['gb_vat', 'GB12345'],
      ['us_ein', '123456789'],
    ] as const) {
      await expect(
        stripe.customers.createTaxId(customer.id, { type, value }),
      ).rejects.toMatchObject({ code: 'tax_id_invalid', param: 'value' });
    }
    await expect(
      stripe.customers.createTaxId(customer.id, { type: 'br_cnpj', value: '01.234.456/5432-10' }),
    ).rejects.toMatchObject({ code: 'parameter_invalid', param: 'type' });
    const valid = await stripe.customers.createTaxId(customer.id, {
      type: 'eu_vat',
      value: 'FR12345678901',
    });
    // Another customer's tax id is as missing as an unknown one.
    await expect(stripe.customers.deleteTaxId(other.id, valid.id)).rejects.toMatchObject({
      code: 'resource_missing',
    });
    expect(await eventTypesAfter(stripe, marker)).toEqual(['customer.tax_id.created']);
    expect((await stripe.customers.listTaxIds(customer.id)).data).toHaveLength(1);
  });
});
