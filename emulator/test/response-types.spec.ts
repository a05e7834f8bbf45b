import type Stripe from 'stripe';
import { SdkTypes } from './support/sdk-types';
import { ShapeCheck } from './support/shape-check';
import { DAY, SANDBOX_CATALOG, startHarness, type Harness } from './support/harness';

/**
 * Every resource the emulator serves, as the API answers it and as its events carry it, is
 * compared with the SDK's TypeScript type for it (read from stripe-node's .d.ts files with the
 * TypeScript compiler at test time): a field the type requires but the answer lacks, a field the
 * answer has but the type does not declare, or a value of the wrong kind fails the test.
 */
describe('responses match the SDK types', () => {
  let harness: Harness;
  let stripe: Stripe;
  const sdk = new SdkTypes();
  const checker = new ShapeCheck(sdk, {
    customer: sdk.interfaceIn('Customers.d.ts', 'Customer'),
    payment_method: sdk.interfaceIn('PaymentMethods.d.ts', 'PaymentMethod'),
    product: sdk.interfaceIn('Products.d.ts', 'Product'),
    price: sdk.interfaceIn('Prices.d.ts', 'Price'),
    coupon: sdk.interfaceIn('Coupons.d.ts', 'Coupon'),
    promotion_code: sdk.interfaceIn('PromotionCodes.d.ts', 'PromotionCode'),
    tax_rate: sdk.interfaceIn('TaxRates.d.ts', 'TaxRate'),
    'checkout.session': sdk.interfaceIn('Checkout/Sessions.d.ts', 'Session'),
    'billing_portal.session': sdk.interfaceIn('BillingPortal/Sessions.d.ts', 'Session'),
    subscription: sdk.interfaceIn('Subscriptions.d.ts', 'Subscription'),
    subscription_item: sdk.interfaceIn('SubscriptionItems.d.ts', 'SubscriptionItem'),
    invoice: sdk.interfaceIn('Invoices.d.ts', 'Invoice'),
    line_item: sdk.interfaceIn('InvoiceLineItems.d.ts', 'InvoiceLineItem'),
    invoiceitem: sdk.interfaceIn('InvoiceItems.d.ts', 'InvoiceItem'),
    invoice_payment: sdk.interfaceIn('InvoicePayments.d.ts', 'InvoicePayment'),
    payment_intent: sdk.interfaceIn('PaymentIntents.d.ts', 'PaymentIntent'),
    charge: sdk.interfaceIn('Charges.d.ts', 'Charge'),
    refund: sdk.interfaceIn('Refunds.d.ts', 'Refund'),
    event: sdk.interfaceIn('Events.d.ts', 'EventBase'),
    discount: sdk.interfaceIn('Discounts.d.ts', 'Discount'),
    webhook_endpoint: sdk.interfaceIn('WebhookEndpoints.d.ts', 'WebhookEndpoint'),
    'test_helpers.test_clock': sdk.interfaceIn('TestHelpers/TestClocks.d.ts', 'TestClock'),
    item: sdk.interfaceIn('LineItems.d.ts', 'LineItem'),
    plan: sdk.interfaceIn('Plans.d.ts', 'Plan'),
  });
  const deleted: Record<string, [string, string]> = {
    customer: ['Customers.d.ts', 'DeletedCustomer'],
    product: ['Products.d.ts', 'DeletedProduct'],
    coupon: ['Coupons.d.ts', 'DeletedCoupon'],
    webhook_endpoint: ['WebhookEndpoints.d.ts', 'DeletedWebhookEndpoint'],
    'test_helpers.test_clock': ['TestHelpers/TestClocks.d.ts', 'DeletedTestClock'],
  };

  const answers: { label: string; value: unknown }[] = [];
  const seen = new Set<string>();

  /** Notes the kind of every object in an answer, nested ones included. */
  function note(value: unknown): void {
    if (Array.isArray(value)) value.forEach(note);
    else if (typeof value === 'object' && value !== null) {
      const kind = (value as { object?: unknown }).object;
      if (typeof kind === 'string' && kind !== 'list' && kind !== 'search_result') seen.add(kind);
      Object.values(value).forEach(note);
    }
  }

  function keep<T>(label: string, value: T): T {
    answers.push({ label, value });
    note(value);
    const kind = (value as { object?: unknown }).object;
    if (kind === 'list' || kind === 'search_result')
      for (const entry of (value as unknown as { data: unknown[] }).data) keep(label, entry);
    return value;
  }

  beforeAll(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
  }, 60_000);
  afterAll(() => harness.close());

  async function exercise(): Promise<void> {
    const address = {
      line1: '1 Main St',
      city: 'Springfield',
      postal_code: '12345',
      country: 'US',
    };
    const clock = keep(
      'clock',
      await stripe.testHelpers.testClocks.create({ frozen_time: 1_800_000_000 }),
    );
    const customer = keep(
      'customer',
      await stripe.customers.create({
        email: 'types@example.com',
        name: 'Ty Pes',
        address,
        shipping: { name: 'Ty', address },
        preferred_locales: ['en'],
        test_clock: clock.id,
      }),
    );
    const card = keep(
      'payment method',
      await stripe.paymentMethods.create({
        type: 'card',
        card: { number: '4242424242424242', exp_month: 12, exp_year: 2040 },
        billing_details: { name: 'Ty', address },
      }),
    );
    keep('attach', await stripe.paymentMethods.attach(card.id, { customer: customer.id }));
    keep(
      'customer update',
      await stripe.customers.update(customer.id, {
        invoice_settings: { default_payment_method: card.id },
      }),
    );
    keep('customer search', await stripe.customers.search({ query: 'email:"types@example.com"' }));
    keep('customer payment methods', await stripe.customers.listPaymentMethods(customer.id));

    const product = keep(
      'product',
      await stripe.products.create({ name: 'Typed', tax_code: 'txcd_10000000' }),
    );
    const price = keep(
      'price',
      await stripe.prices.create({
        product: product.id,
        currency: 'usd',
        unit_amount: 1200,
        recurring: { interval: 'month' },
      }),
    );
    keep('prices', await stripe.prices.list({ limit: 100 }));
    keep('products search', await stripe.products.search({ query: 'active:"true"' }));
    const coupon = keep(
      'coupon',
      await stripe.coupons.create({
        percent_off: 10,
        duration: 'forever',
        applies_to: { products: [product.id] },
      }),
    );
    keep('coupon expanded', await stripe.coupons.retrieve(coupon.id, { expand: ['applies_to'] }));
    keep(
      'promotion code',
      await stripe.promotionCodes.create({
        promotion: { type: 'coupon', coupon: coupon.id },
        restrictions: { minimum_amount: 100, minimum_amount_currency: 'usd' },
      }),
    );
    const rate = keep(
      'tax rate',
      await stripe.taxRates.create({ display_name: 'VAT', percentage: 20, inclusive: false }),
    );

    const subscription = keep(
      'subscription',
      await stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: price.id }],
        default_tax_rates: [rate.id],
        discounts: [{ coupon: coupon.id }],
        expand: ['latest_invoice.payments', 'discounts'],
      }),
    );
    keep(
      'subscription items',
      await stripe.subscriptionItems.list({ subscription: subscription.id }),
    );
    keep(
      'subscription update',
      await stripe.subscriptions.update(subscription.id, {
        items: [{ id: subscription.items.data[0].id, price: 'price_pro_monthly' }],
        proration_behavior: 'always_invoice',
      }),
    );
    keep('preview', await stripe.invoices.createPreview({ subscription: subscription.id }));
    keep(
      'paused',
      await stripe.subscriptions.update(subscription.id, {
        pause_collection: { behavior: 'keep_as_draft' },
      }),
    );
    keep('resumed', await stripe.subscriptions.update(subscription.id, { pause_collection: '' }));
    // Renewals, a draft finalized later, then failures and retries on the clock.
    await harness.control(`payment_methods/${card.id}/fail`, {});
    keep(
      'advanced',
      await stripe.testHelpers.testClocks.advance(clock.id, {
        frozen_time: 1_800_000_000 + 70 * DAY,
      }),
    );
    keep(
      'invoices',
      await stripe.invoices.list({ customer: customer.id, expand: ['data.payments'] }),
    );
    const invoice = (
      await stripe.invoices.list({ customer: customer.id, status: 'paid', limit: 1 })
    ).data[0];
    keep('invoice lines', await stripe.invoices.listLineItems(invoice.id));
    keep('invoice payments', await stripe.invoicePayments.list({ invoice: invoice.id }));
    keep('invoice items', await stripe.invoiceItems.list({ customer: customer.id }));
    keep('invoice search', await stripe.invoices.search({ query: `customer:"${customer.id}"` }));
    keep('canceled', await stripe.subscriptions.list({ customer: customer.id, status: 'all' }));

    const intent = keep(
      'manual capture',
      await stripe.paymentIntents.create({
        amount: 5000,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        capture_method: 'manual',
        confirm: true,
      }),
    );
    keep('captured', await stripe.paymentIntents.capture(intent.id, { amount_to_capture: 3000 }));
    keep(
      'charge',
      await stripe.charges.retrieve(intent.latest_charge as string, { expand: ['refunds'] }),
    );
    keep('refund', await stripe.refunds.create({ payment_intent: intent.id, amount: 100 }));
    keep('charges search', await stripe.charges.search({ query: 'amount>0' }));
    keep('intents search', await stripe.paymentIntents.search({ query: 'amount>0' }));
    const unconfirmed = await stripe.paymentIntents.create({ amount: 100, currency: 'usd' });
    keep('canceled intent', await stripe.paymentIntents.cancel(unconfirmed.id));

    const hosted = keep(
      'checkout session',
      await stripe.checkout.sessions.create({
        mode: 'subscription',
        line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
        success_url: 'https://a.b/',
        subscription_data: { trial_period_days: 7 },
        billing_address_collection: 'required',
      }),
    );
    await harness.control(`checkout/sessions/${hosted.id}/complete`, { address });
    keep(
      'completed session',
      await stripe.checkout.sessions.retrieve(hosted.id, { expand: ['line_items'] }),
    );
    const embedded = keep(
      'embedded session',
      await stripe.checkout.sessions.create({
        mode: 'payment',
        ui_mode: 'embedded_page',
        line_items: [{ price: 'price_credits_1000', quantity: 2 }],
        return_url: 'https://a.b/return',
      }),
    );
    keep('session line items', await stripe.checkout.sessions.listLineItems(embedded.id));
    keep('expired session', await stripe.checkout.sessions.expire(embedded.id));
    keep(
      'portal session',
      await stripe.billingPortal.sessions.create({
        customer: customer.id,
        flow_data: {
          type: 'payment_method_update',
          after_completion: { type: 'redirect', redirect: { return_url: 'https://a.b/' } },
        },
      }),
    );
    const endpoint = keep(
      'webhook endpoint',
      await stripe.webhookEndpoints.create({ url: 'https://a.b/hook', enabled_events: ['*'] }),
    );
    keep('deleted endpoint', await stripe.webhookEndpoints.del(endpoint.id));
    const lonely = await stripe.products.create({ name: 'Gone' });
    keep('deleted product', await stripe.products.del(lonely.id));
    keep('deleted customer', await stripe.customers.del(customer.id));
    keep('deleted clock', await stripe.testHelpers.testClocks.del(clock.id));
    for await (const event of stripe.events.list({ limit: 100 }))
      keep(`event(${event.type})`, event);
  }

  it('notices a missing field, an extra field and a value of the wrong kind', async () => {
    const refund = await stripe.refunds
      .create({
        payment_intent: (
          await stripe.paymentIntents.create({
            amount: 700,
            currency: 'usd',
            payment_method: 'pm_card_visa',
            confirm: true,
          })
        ).id,
      })
      .then((created) => JSON.parse(JSON.stringify(created)) as Record<string, unknown>);
    delete refund.lastResponse;
    expect(checker.check(refund, 'refund')).toEqual([]);
    const { currency: _currency, ...missing } = refund;
    expect(checker.check(missing, 'refund')).toEqual(['refund.currency: missing']);
    expect(checker.check({ ...refund, colour: 'blue' }, 'refund')).toEqual([
      'refund.colour: not in the SDK type',
    ]);
    expect(checker.check({ ...refund, amount: '700' }, 'refund')).toEqual([
      'refund.amount: a string, where the SDK type has no string',
    ]);
  });

  it('answers and event payloads have exactly the fields of the SDK types', async () => {
    await exercise();
    const problems = new Set<string>();
    for (const { label, value } of answers) {
      const record = value as { object?: unknown; deleted?: unknown; type?: unknown };
      if (record.object === 'list' || record.object === 'search_result') continue;
      let type = checker.typeFor(value);
      if (record.deleted === true && typeof record.object === 'string')
        type = sdk.interfaceIn(...deleted[record.object]);
      let found = checker.check(value, label, type);
      // Stripe's invoice.upcoming carries an invoice that does not exist yet: it has no id.
      if (record.type === 'invoice.upcoming')
        found = found.filter((problem) => !problem.endsWith('.data.object.id: missing'));
      // Report each kind of problem once (list positions and event names aside).
      for (const problem of found)
        problems.add(problem.replace(/\[\d+\]/g, '[]').replace(/^event\([^)]*\)/, 'event'));
    }
    expect([...problems].sort()).toEqual([]);
    // The exercise reached every kind of object the emulator serves.
    expect([...seen].sort()).toEqual(
      [
        'billing_portal.session',
        'charge',
        'checkout.session',
        'coupon',
        'customer',
        'discount',
        'event',
        'invoice',
        'invoice_payment',
        'invoiceitem',
        'item',
        'line_item',
        'payment_intent',
        'payment_method',
        'plan',
        'price',
        'product',
        'promotion_code',
        'refund',
        'subscription',
        'subscription_item',
        'tax_rate',
        'test_helpers.test_clock',
        'webhook_endpoint',
      ].sort(),
    );
  }, 60_000);
});
