import Stripe from 'stripe';
import {
  SANDBOX_CATALOG,
  eventTypesAfter,
  latestEventId,
  startHarness,
  type Harness,
} from './support/harness';

describe('tax rates and default_tax_rates', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
  });
  afterAll(() => harness.close());

  async function customerWithCard(): Promise<{ customer: string; card: string }> {
    const customer = await stripe.customers.create({ email: 'taxed@example.com' });
    const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    return { customer: customer.id, card: card.id };
  }

  it('creates, updates (labels only) and lists tax rates', async () => {
    const marker = await latestEventId(stripe);
    const rate = await stripe.taxRates.create({
      display_name: 'VAT',
      percentage: 20,
      inclusive: false,
      country: 'FR',
      tax_type: 'vat',
      jurisdiction: 'FR',
    });
    expect(rate.id).toMatch(/^txr_/);
    expect(rate).toMatchObject({
      object: 'tax_rate',
      percentage: 20,
      effective_percentage: 20,
      inclusive: false,
      active: true,
      rate_type: 'percentage',
    });
    const archived = await stripe.taxRates.update(rate.id, { active: false, description: 'old' });
    expect(archived).toMatchObject({ active: false, description: 'old' });
    await expect(
      stripe.taxRates.update(rate.id, { percentage: 10 } as Stripe.TaxRateUpdateParams),
    ).rejects.toMatchObject({ code: 'parameter_unknown', param: 'percentage' });
    expect((await stripe.taxRates.list({ active: false })).data.map((entry) => entry.id)).toContain(
      rate.id,
    );
    expect(await eventTypesAfter(stripe, marker)).toEqual(['tax_rate.created', 'tax_rate.updated']);
  });

  it('adds exclusive tax on top of the discounted amount, and shows it line by line', async () => {
    const rate = await stripe.taxRates.create({
      display_name: 'Sales tax',
      percentage: 10,
      inclusive: false,
    });
    const { customer, card } = await customerWithCard();
    const subscription = await stripe.subscriptions.create({
      customer,
      items: [{ price: 'price_pro_monthly' }],
      default_payment_method: card,
      default_tax_rates: [rate.id],
      discounts: [{ coupon: 'HALF' }],
      expand: ['latest_invoice'],
    });
    expect(subscription.default_tax_rates?.map((entry) => entry.id)).toEqual([rate.id]);
    const invoice = subscription.latest_invoice as Stripe.Invoice;
    // 2900, half off → 1450, 10 % tax → 145.
    expect(invoice).toMatchObject({
      subtotal: 2900,
      total: 1595,
      amount_paid: 1595,
      total_excluding_tax: 1450,
      total_taxes: [
        {
          amount: 145,
          tax_behavior: 'exclusive',
          taxable_amount: 1450,
          tax_rate_details: { tax_rate: rate.id },
        },
      ],
    });
    expect(invoice.default_tax_rates.map((entry) => entry.id)).toEqual([rate.id]);
    expect(invoice.lines.data[0].taxes).toEqual([expect.objectContaining({ amount: 145 })]);
    // Removing the tax rates untaxes the next invoices.
    const cleared = await stripe.subscriptions.update(subscription.id, { default_tax_rates: '' });
    expect(cleared.default_tax_rates).toEqual([]);
  });

  it('keeps inclusive tax inside the price', async () => {
    const rate = await stripe.taxRates.create({
      display_name: 'VAT',
      percentage: 20,
      inclusive: true,
    });
    const { customer, card } = await customerWithCard();
    const subscription = await stripe.subscriptions.create({
      customer,
      items: [{ price: 'price_starter_monthly' }],
      default_payment_method: card,
      default_tax_rates: [rate.id],
      expand: ['latest_invoice'],
    });
    const invoice = subscription.latest_invoice as Stripe.Invoice;
    // 900 includes 150 of 20 % VAT.
    expect(invoice).toMatchObject({
      subtotal: 900,
      total: 900,
      total_excluding_tax: 750,
      subtotal_excluding_tax: 750,
      total_taxes: [{ amount: 150, tax_behavior: 'inclusive', taxable_amount: 750 }],
    });
  });

  it('refuses a nonexistent or inactive tax rate, and Stripe Tax without a customer location or beside tax rates, before creating anything', async () => {
    const { customer, card } = await customerWithCard();
    const inactive = await stripe.taxRates.create({
      display_name: 'Gone',
      percentage: 5,
      inclusive: false,
      active: false,
    });
    const fivePercent = await stripe.taxRates.create({
      display_name: 'Sales tax',
      percentage: 5,
      inclusive: false,
    });
    const marker = await latestEventId(stripe);
    await expect(
      stripe.subscriptions.create({
        customer,
        items: [{ price: 'price_starter_monthly' }],
        default_payment_method: card,
        default_tax_rates: ['txr_missing'],
      }),
    ).rejects.toMatchObject({ code: 'resource_missing', param: 'default_tax_rates[0]' });
    await expect(
      stripe.subscriptions.create({
        customer,
        items: [{ price: 'price_starter_monthly' }],
        default_payment_method: card,
        default_tax_rates: [inactive.id],
      }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    await expect(
      stripe.subscriptions.create({
        customer,
        items: [{ price: 'price_starter_monthly' }],
        default_payment_method: card,
        automatic_tax: { enabled: true },
      }),
    ).rejects.toMatchObject({ code: 'customer_tax_location_invalid', param: 'customer' });
    // Stripe Tax (emulated) and tax rates exclude each other.
    await expect(
      stripe.subscriptions.create({
        customer,
        items: [{ price: 'price_starter_monthly' }],
        default_payment_method: card,
        default_tax_rates: [fivePercent.id],
        automatic_tax: { enabled: true },
      }),
    ).rejects.toMatchObject({ param: 'default_tax_rates' });
    expect(await eventTypesAfter(stripe, marker)).toEqual([]);
    const untaxed = await stripe.subscriptions.create({
      customer,
      items: [{ price: 'price_starter_monthly' }],
      default_payment_method: card,
      automatic_tax: { enabled: false },
    });
    expect(untaxed.automatic_tax.enabled).toBe(false);
  });
});
