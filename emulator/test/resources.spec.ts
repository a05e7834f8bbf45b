import Stripe from 'stripe';
import { DAY, SANDBOX_CATALOG, startHarness, type Harness } from './support/harness';

describe('resources through the official SDK', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
  });
  afterAll(() => harness.close());

  describe('customers', () => {
    it('creates, retrieves, updates, lists by email, searches and deletes', async () => {
      const customer = await stripe.customers.create({
        email: 'ann@example.com',
        name: 'Ann',
        metadata: { accountId: 'acct-ann' },
      });
      expect(customer.id).toMatch(/^cus_/);
      expect(customer).toMatchObject({
        object: 'customer',
        email: 'ann@example.com',
        livemode: false,
        test_clock: null,
        invoice_settings: { default_payment_method: null },
      });

      const updated = await stripe.customers.update(customer.id, {
        name: 'Ann B',
        metadata: { plan: 'pro' },
      });
      expect(updated.metadata).toEqual({ accountId: 'acct-ann', plan: 'pro' });
      expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
        name: 'Ann B',
      });

      const byEmail = await stripe.customers.list({ email: 'ann@example.com' });
      expect(byEmail.data.map((entry) => entry.id)).toEqual([customer.id]);

      const search = await stripe.customers.search({ query: "email:'ann@example.com'" });
      expect(search.object).toBe('search_result');
      expect(search.data.map((entry) => entry.id)).toEqual([customer.id]);
      const byMetadata = await stripe.customers.search({
        query: "metadata['accountId']:'acct-ann'",
      });
      expect(byMetadata.data.map((entry) => entry.id)).toEqual([customer.id]);

      const deleted = await stripe.customers.del(customer.id);
      expect(deleted).toMatchObject({ id: customer.id, object: 'customer', deleted: true });
      expect(await stripe.customers.retrieve(customer.id)).toMatchObject({
        id: customer.id,
        deleted: true,
      });
      await expect(stripe.customers.update(customer.id, { name: 'x' })).rejects.toMatchObject({
        code: 'resource_missing',
      });
    });
  });

  describe('catalog', () => {
    it('serves the seeded sandbox catalog with fixed ids and lookup keys', async () => {
      const pro = await stripe.products.retrieve('prod_pro');
      expect(pro).toMatchObject({
        name: 'Pro',
        metadata: { features: 'chat,rag,export' },
        default_price: 'price_pro_monthly',
        active: true,
      });
      const prices = await stripe.prices.list({
        lookup_keys: [
          'pro_monthly',
          'pro_yearly',
          'pro_lifetime',
          'starter_monthly',
          'credits_1000',
        ],
      });
      expect(prices.data.map((price) => price.id).sort()).toEqual([
        'price_credits_1000',
        'price_lifetime',
        'price_pro_monthly',
        'price_pro_yearly',
        'price_starter_monthly',
      ]);
      const yearly = await stripe.prices.retrieve('price_pro_yearly', { expand: ['product'] });
      expect(yearly).toMatchObject({
        unit_amount: 29000,
        currency: 'usd',
        type: 'recurring',
        recurring: { interval: 'year', interval_count: 1 },
      });
      expect((yearly.product as Stripe.Product).id).toBe('prod_pro');
      const lifetime = await stripe.products.retrieve('prod_lifetime');
      expect(lifetime.metadata).toMatchObject({ lifetime: 'true' });
      expect(await stripe.prices.retrieve('price_lifetime')).toMatchObject({
        type: 'one_time',
        recurring: null,
        unit_amount: 49900,
      });
    });

    it('creates products with custom ids, prices, filters, archives, and refuses to delete a product with prices', async () => {
      const product = await stripe.products.create({
        id: 'prod_custom_team',
        name: 'Team',
        metadata: { features: 'chat' },
      });
      expect(product.id).toBe('prod_custom_team');
      const monthly = await stripe.prices.create({
        product: product.id,
        currency: 'usd',
        unit_amount: 4900,
        recurring: { interval: 'month' },
        lookup_key: 'team_monthly',
        nickname: 'Team monthly',
      });
      expect(monthly.id).toMatch(/^price_/);
      await stripe.products.update(product.id, { default_price: monthly.id });
      expect((await stripe.products.retrieve(product.id)).default_price).toBe(monthly.id);

      const recurring = await stripe.prices.list({
        product: product.id,
        type: 'recurring',
        active: true,
      });
      expect(recurring.data.map((price) => price.id)).toEqual([monthly.id]);
      await stripe.prices.update(monthly.id, { active: false });
      expect((await stripe.prices.list({ product: product.id, active: true })).data).toHaveLength(
        0,
      );

      const refusal = await stripe.products.del(product.id).catch((caught: unknown) => caught);
      expect(refusal).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect((refusal as Stripe.errors.StripeError).message).toMatch(/cannot be deleted/);

      const lonely = await stripe.products.create({ name: 'Lonely' });
      expect(await stripe.products.del(lonely.id)).toMatchObject({ id: lonely.id, deleted: true });
      const activeProducts = await stripe.products.list({ active: true, limit: 100 });
      expect(activeProducts.data.some((entry) => entry.id === lonely.id)).toBe(false);

      const duplicateKey = await stripe.prices
        .create({
          product: product.id,
          currency: 'usd',
          unit_amount: 1,
          lookup_key: 'team_monthly',
        })
        .catch((caught: unknown) => caught);
      expect(duplicateKey).toMatchObject({ param: 'lookup_key' });
      const transferred = await stripe.prices.create({
        product: product.id,
        currency: 'usd',
        unit_amount: 5900,
        recurring: { interval: 'month' },
        lookup_key: 'team_monthly',
        transfer_lookup_key: true,
      });
      expect(
        (await stripe.prices.list({ lookup_keys: ['team_monthly'] })).data.map((price) => price.id),
      ).toEqual([transferred.id]);
    });

    it('manages coupons and promotion codes (promotion.coupon in this API version)', async () => {
      const coupon = await stripe.coupons.create({
        percent_off: 25,
        duration: 'repeating',
        duration_in_months: 3,
        name: 'Quarter',
      });
      expect(coupon).toMatchObject({
        percent_off: 25,
        duration: 'repeating',
        duration_in_months: 3,
        valid: true,
      });
      const fixed = await stripe.coupons.create({
        id: 'FIVE_OFF',
        amount_off: 500,
        currency: 'usd',
        duration: 'once',
      });
      expect(fixed.id).toBe('FIVE_OFF');
      await expect(stripe.coupons.create({ duration: 'once' })).rejects.toBeInstanceOf(
        Stripe.errors.StripeInvalidRequestError,
      );

      const promotion = await stripe.promotionCodes.create({
        promotion: { type: 'coupon', coupon: coupon.id },
        code: 'QUARTER',
      });
      expect(promotion.id).toMatch(/^promo_/);
      expect(promotion.promotion).toEqual({ type: 'coupon', coupon: coupon.id });
      const found = await stripe.promotionCodes.list({ code: 'QUARTER' });
      expect(found.data.map((entry) => entry.id)).toEqual([promotion.id]);
      expect((await stripe.promotionCodes.update(promotion.id, { active: false })).active).toBe(
        false,
      );

      const seeded = await stripe.promotionCodes.list({ code: 'HALFOFF' });
      expect(seeded.data[0].promotion.coupon).toBe('HALF');
      expect(await stripe.coupons.retrieve('WELCOME10')).toMatchObject({
        percent_off: 10,
        duration: 'once',
      });

      expect(await stripe.coupons.del('FIVE_OFF')).toMatchObject({ deleted: true });
      await expect(stripe.coupons.retrieve('FIVE_OFF')).rejects.toMatchObject({
        code: 'resource_missing',
      });
    });
  });

  describe('payment methods, payment intents, charges and refunds', () => {
    it('attaches, lists, sets default and detaches cards', async () => {
      const customer = await stripe.customers.create({ email: 'cards@example.com' });
      const method = await stripe.paymentMethods.create({
        type: 'card',
        card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' },
      });
      expect(method).toMatchObject({
        type: 'card',
        customer: null,
        card: { last4: '4242', brand: 'visa', exp_year: 2034 },
      });
      await stripe.paymentMethods.attach(method.id, { customer: customer.id });
      const token = await stripe.paymentMethods.attach('pm_card_mastercard', {
        customer: customer.id,
      });
      expect(token.card?.brand).toBe('mastercard');
      const listed = await stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
      expect(listed.data.map((entry) => entry.id).sort()).toEqual([method.id, token.id].sort());
      const viaCustomer = await stripe.customers.listPaymentMethods(customer.id);
      expect(viaCustomer.data).toHaveLength(2);

      const withDefault = await stripe.customers.update(customer.id, {
        invoice_settings: { default_payment_method: method.id },
      });
      expect(withDefault.invoice_settings.default_payment_method).toBe(method.id);
      await stripe.paymentMethods.detach(method.id);
      const after = (await stripe.customers.retrieve(customer.id)) as Stripe.Customer;
      expect(after.invoice_settings.default_payment_method).toBeNull();

      const declined = await stripe.paymentMethods.create({
        type: 'card',
        card: { number: '4000000000009995', exp_month: 1, exp_year: 2035, cvc: '1' },
      });
      const error = await stripe.paymentMethods
        .attach(declined.id, { customer: customer.id })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(error).toMatchObject({
        code: 'card_declined',
        decline_code: 'insufficient_funds',
        statusCode: 402,
      });
    });

    it('charges through payment intents, declines with StripeCardError, and refunds fully and partially', async () => {
      const customer = await stripe.customers.create({ email: 'pay@example.com' });
      const intent = await stripe.paymentIntents.create({
        amount: 2000,
        currency: 'usd',
        customer: customer.id,
        payment_method: 'pm_card_visa',
        confirm: true,
        metadata: { order: '42' },
      });
      expect(intent).toMatchObject({
        status: 'succeeded',
        amount_received: 2000,
        metadata: { order: '42' },
      });
      expect(intent.latest_charge).toMatch(/^ch_/);
      const charge = await stripe.charges.retrieve(intent.latest_charge as string);
      expect(charge).toMatchObject({
        paid: true,
        status: 'succeeded',
        refunded: false,
        amount_refunded: 0,
        payment_intent: intent.id,
      });

      const declined = await stripe.paymentIntents
        .create({
          amount: 1000,
          currency: 'usd',
          payment_method: 'pm_card_visa_chargeDeclinedInsufficientFunds',
          confirm: true,
        })
        .catch((caught: unknown) => caught);
      expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(declined).toMatchObject({ decline_code: 'insufficient_funds', code: 'card_declined' });

      const partial = await stripe.refunds.create({ payment_intent: intent.id, amount: 500 });
      expect(partial).toMatchObject({
        object: 'refund',
        amount: 500,
        status: 'succeeded',
        charge: charge.id,
      });
      expect(await stripe.charges.retrieve(charge.id)).toMatchObject({
        amount_refunded: 500,
        refunded: false,
      });
      const rest = await stripe.refunds.create({ charge: charge.id });
      expect(rest.amount).toBe(1500);
      const refunded = await stripe.charges.retrieve(charge.id, { expand: ['refunds'] });
      expect(refunded).toMatchObject({ amount_refunded: 2000, refunded: true });
      expect(refunded.refunds?.data.map((refund) => refund.id).sort()).toEqual(
        [partial.id, rest.id].sort(),
      );
      expect((await stripe.refunds.list({ charge: charge.id })).data).toHaveLength(2);
      expect(await stripe.refunds.retrieve(partial.id)).toMatchObject({ amount: 500 });
      await expect(stripe.refunds.create({ charge: charge.id, amount: 1 })).rejects.toMatchObject({
        code: 'charge_already_refunded',
      });

      const events = await stripe.events.list({
        types: ['charge.refunded', 'refund.created'],
        limit: 10,
      });
      expect(events.data.map((event) => event.type)).toEqual([
        'charge.refunded',
        'refund.created',
        'charge.refunded',
        'refund.created',
      ]);
    });
  });

  describe('payment intent lifecycle and searches', () => {
    it('creates an unconfirmed intent, updates it, confirms it, and lists by customer', async () => {
      const customer = await stripe.customers.create({ email: 'intent@example.com' });
      const intent = await stripe.paymentIntents.create({
        amount: 1234,
        currency: 'USD',
        customer: customer.id,
      });
      expect(intent).toMatchObject({
        status: 'requires_payment_method',
        currency: 'usd',
        latest_charge: null,
      });
      expect(intent.client_secret).toMatch(new RegExp(`^${intent.id}_secret_`));
      const updated = await stripe.paymentIntents.update(intent.id, { metadata: { order: 'o-1' } });
      expect(updated.metadata).toEqual({ order: 'o-1' });
      const confirmed = await stripe.paymentIntents.confirm(intent.id, {
        payment_method: 'pm_card_visa',
      });
      expect(confirmed).toMatchObject({ status: 'succeeded', amount_received: 1234 });
      await expect(
        stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' }),
      ).rejects.toMatchObject({ code: 'payment_intent_unexpected_state' });
      expect(
        (await stripe.paymentIntents.list({ customer: customer.id })).data.map((entry) => entry.id),
      ).toEqual([intent.id]);
      expect((await stripe.charges.list({ payment_intent: intent.id })).data).toHaveLength(1);
      await expect(
        stripe.paymentIntents.create({ amount: 100 } as Stripe.PaymentIntentCreateParams),
      ).rejects.toMatchObject({ code: 'parameter_missing', param: 'currency' });
    });

    it('searches products, prices and subscriptions', async () => {
      const products = await stripe.products.search({ query: "metadata['lifetime']:'true'" });
      expect(products.data.map((product) => product.id)).toEqual(['prod_lifetime']);
      const prices = await stripe.prices.search({ query: "lookup_key:'pro_yearly'" });
      expect(prices.data.map((price) => price.id)).toEqual(['price_pro_yearly']);
      const customer = await stripe.customers.create({ email: 'search-sub@example.com' });
      await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id }).then((method) =>
        stripe.subscriptions.create({
          customer: customer.id,
          items: [{ price: 'price_starter_monthly' }],
          default_payment_method: method.id,
          metadata: { accountId: 'search-acct' },
        }),
      );
      const subscriptions = await stripe.subscriptions.search({
        query: "metadata['accountId']:'search-acct' AND status:'active'",
      });
      expect(subscriptions.data).toHaveLength(1);
      await expect(stripe.customers.search({ query: 'nonsense' })).rejects.toMatchObject({
        param: 'query',
      });
    });

    it('lists checkout sessions by customer and status', async () => {
      const customer = await stripe.customers.create({ email: 'sessions@example.com' });
      const first = await stripe.checkout.sessions.create({
        mode: 'payment',
        customer: customer.id,
        line_items: [{ price: 'price_credits_1000', quantity: 1 }],
        success_url: 'https://a.b/',
      });
      const second = await stripe.checkout.sessions.create({
        mode: 'payment',
        customer: customer.id,
        line_items: [{ price: 'price_credits_1000', quantity: 1 }],
        success_url: 'https://a.b/',
      });
      await stripe.checkout.sessions.expire(first.id);
      const open = await stripe.checkout.sessions.list({ customer: customer.id, status: 'open' });
      expect(open.data.map((session) => session.id)).toEqual([second.id]);
      const all = await stripe.checkout.sessions.list({ customer: customer.id });
      expect(all.data.map((session) => session.id)).toEqual([second.id, first.id]);
      expect(second.customer_details?.email).toBe('sessions@example.com');
    });
  });

  describe('checkout and portal sessions', () => {
    it('creates hosted and embedded sessions with Stripe’s validation', async () => {
      const hosted = await stripe.checkout.sessions.create({
        mode: 'subscription',
        line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
        success_url: 'https://app.example/success?session_id={CHECKOUT_SESSION_ID}',
        cancel_url: 'https://app.example/cancel',
        client_reference_id: 'acct-1',
        metadata: { accountId: 'acct-1' },
        allow_promotion_codes: true,
      });
      expect(hosted.id).toMatch(/^cs_test_/);
      expect(hosted).toMatchObject({
        status: 'open',
        payment_status: 'unpaid',
        mode: 'subscription',
        ui_mode: 'hosted_page',
        client_secret: null,
        client_reference_id: 'acct-1',
        amount_total: 2900,
      });
      expect(hosted.url).toBe(`${harness.emulator.url}/checkout/${hosted.id}`);
      expect(hosted.expires_at - hosted.created).toBe(DAY);

      const embedded = await stripe.checkout.sessions.create({
        mode: 'payment',
        ui_mode: 'embedded' as Stripe.Checkout.SessionCreateParams.UiMode,
        line_items: [{ price: 'price_credits_1000', quantity: 2 }],
        return_url: 'https://app.example/return?session_id={CHECKOUT_SESSION_ID}',
        redirect_on_completion: 'if_required',
      });
      expect(embedded).toMatchObject({
        ui_mode: 'embedded_page',
        url: null,
        amount_total: 3800,
        redirect_on_completion: 'if_required',
      });
      expect(embedded.client_secret).toMatch(/_secret_/);

      await expect(
        stripe.checkout.sessions.create({
          mode: 'payment',
          ui_mode: 'embedded_page',
          line_items: [{ price: 'price_credits_1000', quantity: 1 }],
        }),
      ).rejects.toMatchObject({ code: 'parameter_missing', param: 'return_url' });
      await expect(
        stripe.checkout.sessions.create({
          mode: 'subscription',
          line_items: [{ price: 'price_credits_1000', quantity: 1 }],
          success_url: 'https://a.b/',
        }),
      ).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      await expect(
        stripe.checkout.sessions.create({
          mode: 'payment',
          line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
          success_url: 'https://a.b/',
        }),
      ).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      await expect(
        stripe.checkout.sessions.create({
          mode: 'payment',
          line_items: [{ price: 'price_nope', quantity: 1 }],
          success_url: 'https://a.b/',
        }),
      ).rejects.toMatchObject({ code: 'resource_missing', param: 'line_items[0][price]' });
      await expect(
        stripe.checkout.sessions.create({
          line_items: [{ price: 'price_credits_1000', quantity: 1 }],
        }),
      ).rejects.toMatchObject({ code: 'parameter_missing', param: 'mode' });
      const now = Math.floor(Date.now() / 1000);
      await expect(
        stripe.checkout.sessions.create({
          mode: 'payment',
          line_items: [{ price: 'price_credits_1000', quantity: 1 }],
          success_url: 'https://a.b/',
          expires_at: now + 60,
        }),
      ).rejects.toMatchObject({ param: 'expires_at' });

      const lineItems = await stripe.checkout.sessions.listLineItems(embedded.id);
      expect(lineItems.data[0]).toMatchObject({
        object: 'item',
        quantity: 2,
        amount_total: 3800,
        description: '1,000 credits',
        price: { id: 'price_credits_1000' },
      });
      const expanded = await stripe.checkout.sessions.retrieve(embedded.id, {
        expand: ['line_items'],
      });
      expect(expanded.line_items?.data).toHaveLength(1);

      const expired = await stripe.checkout.sessions.expire(embedded.id);
      expect(expired.status).toBe('expired');
      await expect(stripe.checkout.sessions.expire(embedded.id)).rejects.toBeInstanceOf(
        Stripe.errors.StripeInvalidRequestError,
      );
    });

    it('applies discounts given at creation and validates promotion codes', async () => {
      const seeded = (await stripe.promotionCodes.list({ code: 'WELCOME10' })).data[0];
      const session = await stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ price: 'price_lifetime', quantity: 1 }],
        success_url: 'https://a.b/',
        discounts: [{ promotion_code: seeded.id }],
      });
      expect(session).toMatchObject({
        amount_subtotal: 49900,
        amount_total: 44910,
        total_details: { amount_discount: 4990 },
      });
      expect(session.discounts).toEqual([{ coupon: 'WELCOME10', promotion_code: seeded.id }]);
      const withCoupon = await stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ price: 'price_credits_1000', quantity: 1 }],
        success_url: 'https://a.b/',
        discounts: [{ coupon: 'HALF' }],
      });
      expect(withCoupon.amount_total).toBe(950);
      await expect(
        stripe.checkout.sessions.create({
          mode: 'payment',
          line_items: [{ price: 'price_credits_1000', quantity: 1 }],
          success_url: 'https://a.b/',
          discounts: [{ coupon: 'HALF' }],
          allow_promotion_codes: true,
        }),
      ).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    });

    it('creates billing portal sessions with flow_data deep links', async () => {
      const customer = await stripe.customers.create({ email: 'portal@example.com' });
      const session = await stripe.billingPortal.sessions.create({
        customer: customer.id,
        return_url: 'https://app.example/account',
      });
      expect(session.id).toMatch(/^bps_/);
      expect(session).toMatchObject({
        object: 'billing_portal.session',
        customer: customer.id,
        return_url: 'https://app.example/account',
        flow: null,
      });
      expect(session.url).toBe(`${harness.emulator.url}/portal/${session.id}`);
      const flow = await stripe.billingPortal.sessions.create({
        customer: customer.id,
        flow_data: { type: 'payment_method_update' },
      });
      expect(flow.flow?.type).toBe('payment_method_update');
      await expect(
        stripe.billingPortal.sessions.create({
          customer: customer.id,
          flow_data: {
            type: 'subscription_cancel',
            subscription_cancel: { subscription: 'sub_missing' },
          },
        }),
      ).rejects.toMatchObject({ code: 'resource_missing' });
      await expect(
        stripe.billingPortal.sessions.create({ customer: 'cus_missing' }),
      ).rejects.toMatchObject({ code: 'resource_missing', param: 'customer' });
    });
  });

  describe('subscriptions, invoices and test clocks through the API', () => {
    it('creates a subscription directly, lists it with filters and reads its invoice', async () => {
      const clock = await stripe.testHelpers.testClocks.create({
        frozen_time: 1_800_000_000,
        name: 'direct',
      });
      expect(clock).toMatchObject({
        object: 'test_helpers.test_clock',
        status: 'ready',
        frozen_time: 1_800_000_000,
        name: 'direct',
      });
      const plain = await stripe.customers.create({
        email: 'direct@example.com',
        test_clock: clock.id,
      });
      const method = await stripe.paymentMethods.attach('pm_card_visa', { customer: plain.id });
      const customer = await stripe.customers.update(plain.id, {
        invoice_settings: { default_payment_method: method.id },
      });
      expect(customer.test_clock).toBe(clock.id);
      const subscription = await stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: 'price_starter_monthly' }],
        metadata: { accountId: 'acct-direct' },
        expand: ['latest_invoice', 'items.data.price.product'],
      });
      expect(subscription).toMatchObject({
        status: 'active',
        created: 1_800_000_000,
        metadata: { accountId: 'acct-direct' },
        test_clock: clock.id,
      });
      const item = subscription.items.data[0];
      expect(item).toMatchObject({
        object: 'subscription_item',
        current_period_start: 1_800_000_000,
        quantity: 1,
      });
      expect((item.price.product as Stripe.Product).name).toBe('Starter');
      const invoice = subscription.latest_invoice as Stripe.Invoice;
      expect(invoice).toMatchObject({
        status: 'paid',
        billing_reason: 'subscription_create',
        amount_paid: 900,
        amount_due: 900,
        amount_remaining: 0,
        parent: {
          subscription_details: {
            subscription: subscription.id,
            metadata: { accountId: 'acct-direct' },
          },
        },
      });
      expect(invoice.hosted_invoice_url).toBe(`${harness.emulator.url}/invoices/${invoice.id}`);
      expect(invoice.status_transitions.paid_at).toBe(1_800_000_000);

      const withPayments = await stripe.invoices.retrieve(invoice.id, {
        expand: ['payments.data.payment.payment_intent'],
      });
      const payment = withPayments.payments?.data[0];
      expect(payment).toMatchObject({
        object: 'invoice_payment',
        status: 'paid',
        amount_paid: 900,
        is_default: true,
      });
      expect((payment?.payment.payment_intent as Stripe.PaymentIntent).status).toBe('succeeded');
      const invoicePayments = await stripe.invoicePayments.list({ invoice: invoice.id });
      expect(invoicePayments.data).toHaveLength(1);

      expect(
        (await stripe.subscriptions.list({ customer: customer.id })).data.map((entry) => entry.id),
      ).toEqual([subscription.id]);
      expect(
        (await stripe.subscriptions.list({ price: 'price_starter_monthly', customer: customer.id }))
          .data,
      ).toHaveLength(1);
      expect(
        (await stripe.invoices.list({ subscription: subscription.id, status: 'paid' })).data.map(
          (entry) => entry.id,
        ),
      ).toEqual([invoice.id]);
      expect(
        (await stripe.subscriptionItems.list({ subscription: subscription.id })).data[0].id,
      ).toBe(item.id);
      const lines = await stripe.invoices.listLineItems(invoice.id);
      expect(lines.data[0]).toMatchObject({ amount: 900, period: { start: 1_800_000_000 } });

      const advanced = await stripe.testHelpers.testClocks.advance(clock.id, {
        frozen_time: 1_800_000_000 + 40 * DAY,
      });
      expect(advanced.status).toBe('ready');
      expect((await stripe.invoices.list({ subscription: subscription.id })).data).toHaveLength(2);
      expect((await stripe.testHelpers.testClocks.list()).data.map((entry) => entry.id)).toContain(
        clock.id,
      );

      await stripe.testHelpers.testClocks.del(clock.id);
      expect(await stripe.customers.retrieve(customer.id)).toMatchObject({ deleted: true });
      expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('canceled');
      await expect(stripe.testHelpers.testClocks.retrieve(clock.id)).rejects.toMatchObject({
        code: 'resource_missing',
      });
    });

    it('voids and marks invoices uncollectible, and pays an open invoice', async () => {
      const customer = await stripe.customers.create({ email: 'dunning@example.com' });
      const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', {
        customer: customer.id,
      });
      const subscription = await stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: 'price_pro_monthly' }],
        default_payment_method: failing.id,
      });
      expect(subscription.status).toBe('incomplete');
      const invoice = await stripe.invoices.retrieve(subscription.latest_invoice as string);
      expect(invoice).toMatchObject({ status: 'open', attempt_count: 1, amount_remaining: 2900 });

      const payError = await stripe.invoices.pay(invoice.id).catch((caught: unknown) => caught);
      expect(payError).toBeInstanceOf(Stripe.errors.StripeCardError);
      const good = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
      const paid = await stripe.invoices.pay(invoice.id, { payment_method: good.id });
      expect(paid).toMatchObject({ status: 'paid', attempt_count: 3 });
      expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');

      const second = await stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: 'price_starter_monthly' }],
        default_payment_method: failing.id,
      });
      const voided = await stripe.invoices.voidInvoice(second.latest_invoice as string);
      expect(voided.status).toBe('void');
      const third = await stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: 'price_starter_monthly' }],
        default_payment_method: failing.id,
      });
      expect((await stripe.invoices.markUncollectible(third.latest_invoice as string)).status).toBe(
        'uncollectible',
      );
      const error = await stripe.subscriptions
        .create({
          customer: customer.id,
          items: [{ price: 'price_starter_monthly' }],
          default_payment_method: failing.id,
          payment_behavior: 'error_if_incomplete',
        })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    });
  });

  describe('events and webhook endpoints', () => {
    it('lists events with type, types[] and created filters, and retrieves one', async () => {
      const product = await stripe.products.create({ name: 'Evented' });
      const created = await stripe.events.list({ type: 'product.created', limit: 100 });
      const event = created.data.find(
        (entry) => (entry.data.object as Stripe.Product).id === product.id,
      );
      expect(event).toMatchObject({
        object: 'event',
        livemode: false,
        type: 'product.created',
        data: { object: { id: product.id, name: 'Evented' } },
      });
      expect(event?.id).toMatch(/^evt_/);
      expect(await stripe.events.retrieve(event?.id as string)).toMatchObject({ id: event?.id });
      const wildcard = await stripe.events.list({ type: 'product.*', limit: 100 });
      expect(wildcard.data.every((entry) => entry.type.startsWith('product.'))).toBe(true);
      const typed = await stripe.events.list({
        types: ['price.created', 'coupon.created'],
        limit: 100,
      });
      expect(new Set(typed.data.map((entry) => entry.type))).toEqual(
        new Set(['price.created', 'coupon.created']),
      );
      const future = await stripe.events.list({ created: { gt: 4_000_000_000 } });
      expect(future.data).toHaveLength(0);
      const recent = await stripe.events.list({
        created: { gte: event?.created ?? 0 },
        limit: 100,
      });
      expect(recent.data.some((entry) => entry.id === event?.id)).toBe(true);
      await expect(stripe.events.retrieve('evt_missing')).rejects.toMatchObject({
        code: 'resource_missing',
      });
    });

    it('creates, lists, updates and deletes webhook endpoints; the secret is shown once', async () => {
      const endpoint = await stripe.webhookEndpoints.create({
        url: 'http://127.0.0.1:9/hook',
        enabled_events: ['*'],
      });
      expect(endpoint.id).toMatch(/^we_/);
      expect(endpoint.secret).toMatch(/^whsec_/);
      const fetched = await stripe.webhookEndpoints.retrieve(endpoint.id);
      expect(fetched.secret).toBeUndefined();
      const updated = await stripe.webhookEndpoints.update(endpoint.id, {
        enabled_events: ['invoice.paid'],
        disabled: true,
      });
      expect(updated).toMatchObject({ enabled_events: ['invoice.paid'], status: 'disabled' });
      expect((await stripe.webhookEndpoints.list()).data.map((entry) => entry.id)).toContain(
        endpoint.id,
      );
      expect(await stripe.webhookEndpoints.del(endpoint.id)).toMatchObject({ deleted: true });
      await expect(stripe.webhookEndpoints.retrieve(endpoint.id)).rejects.toMatchObject({
        code: 'resource_missing',
      });
    });
  });
});
