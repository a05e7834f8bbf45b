import type Stripe from 'stripe';
import { DAY, SANDBOX_CATALOG, startHarness, type Harness } from './support/harness';

describe('adding and removing subscription items: prorations and refusals as Stripe', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
  });
  afterAll(() => harness.close());

  async function subscriber(): Promise<Stripe.Subscription> {
    const customer = await stripe.customers.create({ email: 'items@example.com' });
    const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    return stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: 'price_pro_monthly' }],
      default_payment_method: card.id,
    });
  }

  it('charges an added item for the rest of the period and credits a removed one, to the second', async () => {
    const subscription = await subscriber();
    const item = subscription.items.data[0];
    const at = item.current_period_start + 10 * DAY;
    const fraction =
      (item.current_period_end - at) / (item.current_period_end - item.current_period_start);
    const added = await stripe.subscriptions.update(subscription.id, {
      items: [{ price: 'price_starter_monthly', quantity: 2 }],
      proration_behavior: 'always_invoice',
      proration_date: at,
      expand: ['latest_invoice'],
    });
    expect(added.items.data.map((entry) => entry.price.id)).toEqual([
      'price_pro_monthly',
      'price_starter_monthly',
    ]);
    const charge = added.latest_invoice as Stripe.Invoice;
    expect(charge.billing_reason).toBe('subscription_update');
    expect(charge.total).toBe(Math.round(900 * 2 * fraction));
    const line = charge.lines.data[0];
    expect(
      line.parent?.subscription_item_details?.proration ??
        line.parent?.invoice_item_details?.proration,
    ).toBe(true);

    const extra = added.items.data[1];
    const preview = await stripe.invoices.createPreview({
      subscription: subscription.id,
      subscription_details: { items: [{ id: extra.id, deleted: true }], proration_date: at },
    });
    const credit = preview.lines.data.filter(
      (line) => line.parent?.subscription_item_details?.proration === true,
    );
    expect(credit.map((line) => line.amount)).toEqual([-Math.round(900 * 2 * fraction)]);
    // The renewal after the removal bills the plan alone, less the credit.
    expect(preview.total).toBe(2900 - Math.round(900 * 2 * fraction));
    const removed = await stripe.subscriptions.update(subscription.id, {
      items: [{ id: extra.id, deleted: true }],
      proration_date: at,
    });
    expect(removed.items.data.map((entry) => entry.price.id)).toEqual(['price_pro_monthly']);
    const upcoming = await stripe.invoices.createPreview({ subscription: subscription.id });
    expect(upcoming.total).toBe(preview.total);
  });

  it('refuses a second item on the same price, another interval, and removing the last item, changing nothing', async () => {
    const subscription = await subscriber();
    const item = subscription.items.data[0];
    for (const items of [
      [{ price: 'price_pro_monthly' }],
      [{ price: 'price_pro_yearly' }],
      [{ id: item.id, deleted: true }],
    ]) {
      await expect(stripe.subscriptions.update(subscription.id, { items })).rejects.toMatchObject({
        type: 'StripeInvalidRequestError',
        statusCode: 400,
      });
    }
    const after = await stripe.subscriptions.retrieve(subscription.id);
    expect(after.items.data.map((entry) => entry.price.id)).toEqual(['price_pro_monthly']);
    const invoices = await stripe.invoices.list({ subscription: subscription.id });
    expect(invoices.data).toHaveLength(1);
  });
});
