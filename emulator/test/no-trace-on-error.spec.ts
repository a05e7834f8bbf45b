import Stripe from 'stripe';
import { apiEndpoints } from '../src/api/routes';
import { StripeDomain } from '../src/billing/stripe-domain';
import { SANDBOX_CATALOG, startHarness, type Harness } from './support/harness';

/**
 * For every endpoint that changes something, a request that fails — after passing parameter
 * checks, late in its work where the domain has already started changing things — leaves no
 * object and no event behind. The table must name every mutating endpoint the emulator serves,
 * so a new endpoint cannot be added without its failure case.
 */
describe('a failed request leaves no trace, on every mutating endpoint', () => {
  let harness: Harness;
  let stripe: Stripe;

  interface World {
    customer: Stripe.Customer;
    card: Stripe.PaymentMethod;
    looseCard: Stripe.PaymentMethod;
    subscription: Stripe.Subscription;
    paidInvoice: Stripe.Invoice;
    succeededIntent: Stripe.PaymentIntent;
    session: Stripe.Checkout.Session;
    expiredSession: Stripe.Checkout.Session;
    clock: Stripe.TestHelpers.TestClock;
    product: Stripe.Product;
    price: Stripe.Price;
  }
  let world: World;

  beforeAll(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
    const customer = await stripe.customers.create({ email: 'world@example.com' });
    const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: 'price_starter_monthly' }],
      default_payment_method: card.id,
    });
    const product = await stripe.products.create({ name: 'World' });
    const price = await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 100,
      lookup_key: 'world_price',
    });
    await stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: 'HALF' },
      code: 'WORLD',
    });
    const expiredSession = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: 'price_credits_1000', quantity: 1 }],
      success_url: 'https://a.b/',
    });
    await stripe.checkout.sessions.expire(expiredSession.id);
    world = {
      customer,
      card,
      looseCard: await stripe.paymentMethods.create({
        type: 'card',
        card: { number: '4242424242424242', exp_month: 12, exp_year: 2040 },
      }),
      subscription,
      paidInvoice: await stripe.invoices.retrieve(subscription.latest_invoice as string),
      succeededIntent: await stripe.paymentIntents.create({
        amount: 500,
        currency: 'usd',
        customer: customer.id,
        payment_method: card.id,
        confirm: true,
      }),
      session: await stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ price: 'price_credits_1000', quantity: 1 }],
        success_url: 'https://a.b/',
      }),
      expiredSession,
      clock: await stripe.testHelpers.testClocks.create({ frozen_time: 1_800_000_000 }),
      product,
      price,
    };
  });
  afterAll(() => harness.close());

  /** Each mutating endpoint, and a request to it that fails late. */
  const FAILURES: Record<string, (w: World) => Promise<unknown>> = {
    'POST /v1/customers': () =>
      stripe.customers.create({
        email: 'ghost@example.com',
        payment_method: 'pm_card_visa',
        invoice_settings: { default_payment_method: 'pm_missing' },
      }),
    'POST /v1/customers/:id': (w) =>
      stripe.customers.update(w.customer.id, {
        name: 'Changed',
        invoice_settings: { default_payment_method: 'pm_missing' },
      }),
    'DELETE /v1/customers/:id': () => stripe.customers.del('cus_missing'),
    'POST /v1/customers/:id/tax_ids': (w) =>
      stripe.customers.createTaxId(w.customer.id, { type: 'eu_vat', value: 'DE12' }),
    'DELETE /v1/customers/:customer/tax_ids/:id': (w) =>
      stripe.customers.deleteTaxId(w.customer.id, 'txi_missing'),
    'POST /v1/payment_methods': () =>
      stripe.paymentMethods.create({
        type: 'card',
        card: { number: '4242424242424242', exp_month: 1, exp_year: 2001 },
      }),
    'POST /v1/payment_methods/:id': () =>
      stripe.paymentMethods.update('pm_missing', { metadata: { a: 'b' } }),
    'POST /v1/payment_methods/:id/attach': (w) =>
      stripe.paymentMethods.attach('pm_card_visa_chargeDeclined', { customer: w.customer.id }),
    'POST /v1/payment_methods/:id/detach': (w) => stripe.paymentMethods.detach(w.looseCard.id),
    'POST /v1/products': () =>
      stripe.products.create({
        name: 'Half made',
        default_price_data: { currency: 'usd', unit_amount: -5 },
      }),
    'POST /v1/products/:id': (w) =>
      stripe.products.update(w.product.id, { name: 'Renamed', default_price: 'price_pro_monthly' }),
    'DELETE /v1/products/:id': (w) => stripe.products.del(w.product.id),
    'POST /v1/prices': (w) =>
      stripe.prices.create({
        product_data: { name: 'Made by the price' },
        currency: 'usd',
        unit_amount: 100,
        lookup_key: w.price.lookup_key as string,
      }),
    'POST /v1/prices/:id': () =>
      stripe.prices.update('price_pro_monthly', { nickname: 'x', lookup_key: 'world_price' }),
    'POST /v1/coupons': () =>
      stripe.coupons.create({
        percent_off: 5,
        duration: 'once',
        applies_to: { products: ['prod_missing'] },
      }),
    'POST /v1/coupons/:id': () => stripe.coupons.update('coupon_missing', { name: 'x' }),
    'DELETE /v1/coupons/:id': () => stripe.coupons.del('coupon_missing'),
    'POST /v1/promotion_codes': () =>
      stripe.promotionCodes.create({
        promotion: { type: 'coupon', coupon: 'HALF' },
        code: 'WORLD',
      }),
    'POST /v1/promotion_codes/:id': () =>
      stripe.promotionCodes.update('promo_missing', { active: false }),
    'POST /v1/tax_rates': () =>
      stripe.taxRates.create({ display_name: 'Too much', percentage: 150, inclusive: false }),
    'POST /v1/tax_rates/:id': () => stripe.taxRates.update('txr_missing', { active: false }),
    'POST /v1/checkout/sessions': (w) =>
      stripe.checkout.sessions.create({
        mode: 'subscription',
        customer: w.customer.id,
        line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
        success_url: 'https://a.b/',
        discounts: [{ promotion_code: 'promo_missing' }],
      }),
    'POST /v1/checkout/sessions/:id': () =>
      stripe.checkout.sessions.update('cs_test_missing', { metadata: { a: 'b' } }),
    'POST /v1/checkout/sessions/:id/expire': (w) =>
      stripe.checkout.sessions.expire(w.expiredSession.id),
    'POST /v1/billing_portal/sessions': (w) =>
      stripe.billingPortal.sessions.create({
        customer: w.customer.id,
        flow_data: {
          type: 'subscription_cancel',
          subscription_cancel: { subscription: 'sub_missing' },
        },
      }),
    'POST /v1/subscriptions': (w) =>
      stripe.subscriptions.create({
        customer: w.customer.id,
        items: [{ price: 'price_pro_monthly' }],
        default_payment_method: w.card.id,
        default_tax_rates: ['txr_missing'],
      }),
    'POST /v1/subscriptions/:id': (w) =>
      stripe.subscriptions.update(w.subscription.id, {
        metadata: { half: 'done' },
        cancel_at_period_end: true,
        items: [{ id: w.subscription.items.data[0].id, price: 'price_lifetime' }],
      }),
    'DELETE /v1/subscriptions/:id': () => stripe.subscriptions.cancel('sub_missing'),
    'POST /v1/subscriptions/:id/resume': (w) => stripe.subscriptions.resume(w.subscription.id),
    'POST /v1/invoices/create_preview': () =>
      stripe.invoices.createPreview({ subscription: 'sub_missing' }),
    'POST /v1/invoices/:id': (w) =>
      stripe.invoices.update(w.paidInvoice.id, { metadata: { a: 'b' }, description: 'too late' }),
    'POST /v1/invoices/:id/pay': (w) => stripe.invoices.pay(w.paidInvoice.id),
    'POST /v1/invoices/:id/finalize': (w) => stripe.invoices.finalizeInvoice(w.paidInvoice.id),
    'POST /v1/invoices/:id/void': (w) => stripe.invoices.voidInvoice(w.paidInvoice.id),
    'POST /v1/invoices/:id/mark_uncollectible': (w) =>
      stripe.invoices.markUncollectible(w.paidInvoice.id),
    'POST /v1/payment_intents': (w) =>
      stripe.paymentIntents.create({
        amount: 100,
        currency: 'usd',
        customer: w.customer.id,
        confirm: true,
      }),
    'POST /v1/payment_intents/:id': (w) =>
      stripe.paymentIntents.update(w.succeededIntent.id, {
        metadata: { a: 'b' },
        payment_method: 'pm_missing',
      }),
    'POST /v1/payment_intents/:id/confirm': (w) =>
      stripe.paymentIntents.confirm(w.succeededIntent.id),
    'POST /v1/payment_intents/:id/capture': (w) =>
      stripe.paymentIntents.capture(w.succeededIntent.id),
    'POST /v1/payment_intents/:id/cancel': (w) =>
      stripe.paymentIntents.cancel(w.succeededIntent.id),
    'POST /v1/refunds': (w) =>
      stripe.refunds.create({ payment_intent: w.succeededIntent.id, amount: 999_999 }),
    'POST /v1/refunds/:id': () => stripe.refunds.update('re_missing', { metadata: { a: 'b' } }),
    'POST /v1/webhook_endpoints': () =>
      stripe.webhookEndpoints.create({ url: 'ftp://nowhere', enabled_events: ['*'] }),
    'POST /v1/webhook_endpoints/:id': () =>
      stripe.webhookEndpoints.update('we_missing', { disabled: true }),
    'DELETE /v1/webhook_endpoints/:id': () => stripe.webhookEndpoints.del('we_missing'),
    'POST /v1/test_helpers/test_clocks': () =>
      stripe.testHelpers.testClocks.create({ frozen_time: 'soon' as unknown as number }),
    'POST /v1/test_helpers/test_clocks/:id/advance': (w) =>
      stripe.testHelpers.testClocks.advance(w.clock.id, { frozen_time: w.clock.frozen_time - 1 }),
    'DELETE /v1/test_helpers/test_clocks/:id': () =>
      stripe.testHelpers.testClocks.del('clock_missing'),
  };

  /** Everything visible through the API, as JSON. */
  async function snapshot(): Promise<string> {
    const all = async <T>(list: () => AsyncIterable<T>): Promise<T[]> => {
      const items: T[] = [];
      for await (const item of list()) items.push(item);
      return items;
    };
    return JSON.stringify({
      customers: await all(() => stripe.customers.list({ limit: 100 })),
      paymentMethods: await all(() => stripe.paymentMethods.list({ limit: 100 })),
      products: await all(() => stripe.products.list({ limit: 100 })),
      prices: await all(() => stripe.prices.list({ limit: 100 })),
      coupons: await all(() => stripe.coupons.list({ limit: 100 })),
      promotionCodes: await all(() => stripe.promotionCodes.list({ limit: 100 })),
      taxRates: await all(() => stripe.taxRates.list({ limit: 100 })),
      sessions: await all(() => stripe.checkout.sessions.list({ limit: 100 })),
      subscriptions: await all(() => stripe.subscriptions.list({ limit: 100, status: 'all' })),
      invoices: await all(() => stripe.invoices.list({ limit: 100 })),
      invoiceItems: await all(() => stripe.invoiceItems.list({ limit: 100 })),
      paymentIntents: await all(() => stripe.paymentIntents.list({ limit: 100 })),
      charges: await all(() => stripe.charges.list({ limit: 100 })),
      refunds: await all(() => stripe.refunds.list({ limit: 100 })),
      endpoints: await all(() => stripe.webhookEndpoints.list({ limit: 100 })),
      clocks: await all(() => stripe.testHelpers.testClocks.list({ limit: 100 })),
      events: await all(() => stripe.events.list({ limit: 100 })),
    });
  }

  it('names every mutating endpoint', () => {
    const mutating = apiEndpoints(new StripeDomain(Stripe.API_VERSION))
      .filter((endpoint) => endpoint.method !== 'GET')
      .map((endpoint) => `${endpoint.method} ${endpoint.path}`)
      .sort();
    expect(Object.keys(FAILURES).sort()).toEqual(mutating);
  });

  it.each(Object.keys(FAILURES))('%s', async (route) => {
    const before = await snapshot();
    const outcome = await FAILURES[route](world).then(
      () => 'succeeded',
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(Stripe.errors.StripeError);
    expect(await snapshot()).toBe(before);
  });
});
