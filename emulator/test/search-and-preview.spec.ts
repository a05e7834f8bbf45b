import Stripe from 'stripe';
import {
  DAY,
  SANDBOX_CATALOG,
  eventTypesAfter,
  latestEventId,
  startHarness,
  type Harness,
} from './support/harness';

describe('search for charges, invoices and payment intents; invoices.create_preview', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
  });
  afterAll(() => harness.close());

  async function subscriber(price = 'price_starter_monthly') {
    const customer = await stripe.customers.create({ email: 'preview@example.com' });
    const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price }],
      default_payment_method: card.id,
      metadata: { plan: 'starter' },
    });
    return { customer: customer.id, subscription };
  }

  describe('search', () => {
    it('finds payment intents, charges and invoices with Stripe’s query language', async () => {
      const customer = await stripe.customers.create({ email: 'searcher@example.com' });
      const big = await stripe.paymentIntents.create({
        amount: 4200,
        currency: 'usd',
        customer: customer.id,
        payment_method: 'pm_card_visa',
        confirm: true,
        metadata: { order: 'big-one' },
      });
      await stripe.paymentIntents.create({
        amount: 300,
        currency: 'usd',
        customer: customer.id,
        payment_method: 'pm_card_mastercard',
        confirm: true,
      });
      const intents = await stripe.paymentIntents.search({
        query: `customer:"${customer.id}" AND amount>1000`,
      });
      expect(intents.object).toBe('search_result');
      expect(intents.data.map((intent) => intent.id)).toEqual([big.id]);
      expect(
        (await stripe.paymentIntents.search({ query: 'metadata["order"]:"big-one"' })).data,
      ).toHaveLength(1);
      const either = await stripe.paymentIntents.search({
        query: `amount:4200 OR amount:300`,
      });
      expect(either.data.length).toBeGreaterThanOrEqual(2);

      const charges = await stripe.charges.search({
        query: `customer:"${customer.id}" AND payment_method_details.card.brand:"mastercard"`,
      });
      expect(charges.data).toHaveLength(1);
      expect(charges.data[0]).toMatchObject({ amount: 300, refunds: { object: 'list' } });
      const notRefunded = await stripe.charges.search({
        query: `customer:"${customer.id}" AND -refunded:"true"`,
      });
      expect(notRefunded.data).toHaveLength(2);

      const { subscription } = await subscriber();
      const invoices = await stripe.invoices.search({
        query: `subscription:"${subscription.id}" AND status:"paid" AND total>=900`,
      });
      expect(invoices.data.map((invoice) => invoice.id)).toEqual([subscription.latest_invoice]);
      const paged = await stripe.paymentIntents.search({ query: 'currency:"usd"', limit: 1 });
      expect(paged.has_more).toBe(true);
      expect(paged.next_page).not.toBeNull();
    });

    it('refuses fields a resource cannot be searched by, and malformed queries', async () => {
      await expect(stripe.charges.search({ query: 'description:"x"' })).rejects.toMatchObject({
        param: 'query',
      });
      await expect(
        stripe.invoices.search({ query: 'status:"paid" AND total>1 OR total<5' }),
      ).rejects.toMatchObject({ param: 'query' });
      await expect(stripe.paymentIntents.search({ query: 'amount>"lots"' })).rejects.toBeInstanceOf(
        Stripe.errors.StripeInvalidRequestError,
      );
    });
  });

  describe('create_preview', () => {
    it('previews the next renewal of a subscription, storing nothing', async () => {
      const { customer, subscription } = await subscriber();
      const marker = await latestEventId(stripe);
      const before = (await stripe.invoices.list({ customer })).data.length;
      const preview = await stripe.invoices.createPreview({ subscription: subscription.id });
      expect(preview.id).toMatch(/^upcoming_in_/);
      expect(preview).toMatchObject({
        object: 'invoice',
        status: 'draft',
        billing_reason: 'upcoming',
        amount_due: 900,
        period_start: subscription.items.data[0].current_period_end,
        customer,
      });
      const byCustomer = await stripe.invoices.createPreview({ customer });
      expect(byCustomer.amount_due).toBe(900);
      expect((await stripe.invoices.list({ customer })).data).toHaveLength(before);
      expect(await eventTypesAfter(stripe, marker)).toEqual([]);
    });

    it('previews a plan change: prorations on the next invoice, or billed now with always_invoice', async () => {
      const { subscription } = await subscriber();
      await harness.control('clock/advance', { seconds: 10 * DAY });
      const item = subscription.items.data[0];
      const prorationDate = subscription.items.data[0].current_period_start + 10 * DAY;
      const next = await stripe.invoices.createPreview({
        subscription: subscription.id,
        subscription_details: {
          items: [{ id: item.id, price: 'price_pro_monthly' }],
          proration_date: prorationDate,
        },
      });
      const prorations = next.lines.data.filter(
        (line) => line.parent?.subscription_item_details?.proration === true,
      );
      expect(prorations).toHaveLength(2);
      expect(next.lines.data.some((line) => line.amount === 2900)).toBe(true);
      // Stripe names the instant it prorated for, and refuses one with no prorations.
      expect(next.parent?.subscription_details?.subscription_proration_date).toBe(prorationDate);
      await expect(
        stripe.invoices.createPreview({
          subscription: subscription.id,
          subscription_details: {
            items: [{ id: item.id, price: 'price_pro_monthly' }],
            proration_date: prorationDate,
            proration_behavior: 'none',
          },
        }),
      ).rejects.toMatchObject({ code: 'parameter_invalid', statusCode: 400 });
      const renewal = await stripe.invoices.createPreview({ subscription: subscription.id });
      expect(renewal.parent?.subscription_details?.subscription_proration_date).toBeUndefined();
      const now = await stripe.invoices.createPreview({
        subscription: subscription.id,
        subscription_details: {
          items: [{ id: item.id, price: 'price_pro_monthly' }],
          proration_date: prorationDate,
          proration_behavior: 'always_invoice',
        },
      });
      expect(now.billing_reason).toBe('subscription_update');
      expect(now.total).toBe(next.total - 2900);
      // The real update with the same proration_date bills the same.
      const updated = await stripe.subscriptions.update(subscription.id, {
        items: [{ id: item.id, price: 'price_pro_monthly' }],
        proration_date: prorationDate,
        proration_behavior: 'always_invoice',
        expand: ['latest_invoice'],
      });
      expect((updated.latest_invoice as Stripe.Invoice).total).toBe(now.total);
      await expect(
        stripe.invoices.createPreview({
          subscription: subscription.id,
          subscription_details: { cancel_at_period_end: true },
        }),
      ).rejects.toMatchObject({ code: 'invoice_upcoming_none', statusCode: 404 });
    });

    it('previews the first invoice of a new subscription, with a coupon', async () => {
      const customer = await stripe.customers.create({ email: 'new-sub@example.com' });
      const preview = await stripe.invoices.createPreview({
        customer: customer.id,
        subscription_details: { items: [{ price: 'price_pro_monthly', quantity: 2 }] },
        discounts: [{ coupon: 'HALF' }],
      });
      expect(preview).toMatchObject({
        billing_reason: 'subscription_create',
        subtotal: 5800,
        total: 2900,
      });
      await expect(stripe.invoices.createPreview({ customer: customer.id })).rejects.toMatchObject({
        code: 'invoice_upcoming_none',
      });
      await expect(
        stripe.invoices.createPreview({ subscription: 'sub_missing' }),
      ).rejects.toMatchObject({
        code: 'resource_missing',
        param: 'subscription',
      });
    });
  });
});
