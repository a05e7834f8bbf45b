import type Stripe from 'stripe';
import {
  SANDBOX_CATALOG,
  eventTypesAfter,
  latestEventId,
  startHarness,
  type Harness,
} from './support/harness';

describe('Checkout invoice_creation: a paid invoice for a one-time purchase', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
  });
  afterAll(() => harness.close());

  it('issues a numbered, paid invoice with line items, the discount and a PDF it serves', async () => {
    const customer = await stripe.customers.create({ email: 'buyer@example.com' });
    const coupon = await stripe.coupons.create({ percent_off: 10, duration: 'once' });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      customer: customer.id,
      line_items: [{ price: 'price_credits_1000', quantity: 2 }],
      success_url: 'https://a.b/',
      discounts: [{ coupon: coupon.id }],
      invoice_creation: {
        enabled: true,
        invoice_data: {
          metadata: { accountId: 'acc-1' },
          description: 'Credits',
          footer: 'Thanks',
        },
      },
    });
    expect(session.invoice_creation).toMatchObject({
      enabled: true,
      invoice_data: { metadata: { accountId: 'acc-1' }, description: 'Credits', footer: 'Thanks' },
    });
    const marker = await latestEventId(stripe);
    const done = await harness.control(`checkout/sessions/${session.id}/complete`, {});
    expect(done.status).toBe(200);
    const completed = await stripe.checkout.sessions.retrieve(session.id);
    expect(typeof completed.invoice).toBe('string');
    const invoice = await stripe.invoices.retrieve(completed.invoice as string, {
      expand: ['payments'],
    });
    expect(invoice).toMatchObject({
      status: 'paid',
      billing_reason: 'manual',
      customer: customer.id,
      description: 'Credits',
      footer: 'Thanks',
      metadata: { accountId: 'acc-1' },
      amount_paid: completed.amount_total,
      total: completed.amount_total,
      parent: null,
    });
    expect(invoice.number).toMatch(/-0001$/);
    expect(invoice.subtotal).toBe(completed.amount_subtotal);
    expect(invoice.total_discount_amounts?.[0].amount).toBe(
      completed.total_details?.amount_discount,
    );
    expect(invoice.lines.data).toHaveLength(1);
    expect(invoice.lines.data[0]).toMatchObject({
      quantity: 2,
      amount: completed.amount_subtotal,
      pricing: { price_details: { price: 'price_credits_1000' } },
    });
    expect(invoice.payments?.data[0].payment.payment_intent).toBe(completed.payment_intent);
    const types = await eventTypesAfter(stripe, marker);
    expect(types.indexOf('invoice.paid')).toBeGreaterThan(types.indexOf('invoice.finalized'));
    expect(types.indexOf('checkout.session.completed')).toBeGreaterThan(
      types.indexOf('invoice.paid'),
    );
    // Paid once: one charge for the purchase, none for the invoice.
    expect((await stripe.charges.list({ customer: customer.id })).data).toHaveLength(1);

    const pdf = await fetch(invoice.invoice_pdf as string);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toContain('application/pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString('latin1'),
    ).toBe('%PDF-');
    const hosted = await fetch(invoice.hosted_invoice_url as string);
    expect(hosted.status).toBe(200);
  });

  it('without invoice_creation no invoice is issued', async () => {
    const customer = await stripe.customers.create({ email: 'plain@example.com' });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      customer: customer.id,
      line_items: [{ price: 'price_credits_1000' }],
      success_url: 'https://a.b/',
    });
    await harness.control(`checkout/sessions/${session.id}/complete`, {});
    expect((await stripe.checkout.sessions.retrieve(session.id)).invoice).toBeNull();
    expect((await stripe.invoices.list({ customer: customer.id })).data).toHaveLength(0);
  });

  it('refuses invoice_creation outside payment mode and unknown invoice_data fields', async () => {
    await expect(
      stripe.checkout.sessions.create({
        mode: 'subscription',
        line_items: [{ price: 'price_pro_monthly' }],
        success_url: 'https://a.b/',
        invoice_creation: { enabled: true },
      }),
    ).rejects.toMatchObject({ param: 'invoice_creation' });
    await expect(
      stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ price: 'price_credits_1000' }],
        success_url: 'https://a.b/',
        invoice_creation: {
          enabled: true,
          invoice_data: { rendering_options: { amount_tax_display: 'include_inclusive_tax' } },
        },
      }),
    ).rejects.toMatchObject({ code: 'parameter_unknown' });
  });
});
