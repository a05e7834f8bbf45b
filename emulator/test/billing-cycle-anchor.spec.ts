import type Stripe from 'stripe';
import { DAY, SANDBOX_CATALOG, startHarness, type Harness } from './support/harness';

// 2027-01-15T08:00:00Z
const START = Date.UTC(2027, 0, 15, 8) / 1000;
const FEB_1 = Date.UTC(2027, 1, 1, 8) / 1000;

describe('billing_cycle_anchor, proration_behavior at creation, and proration_date', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness({
      catalogFile: SANDBOX_CATALOG,
      billing: { upcomingRenewalDays: 0 },
    });
    stripe = harness.stripe;
  });
  afterAll(() => harness.close());

  async function customer(): Promise<{ clock: string; customer: string; card: string }> {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: START });
    const created = await stripe.customers.create({
      email: 'anchor@example.com',
      test_clock: clock.id,
    });
    const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: created.id });
    return { clock: clock.id, customer: created.id, card: card.id };
  }

  it('bills the stub period until a future anchor pro rata, then full periods from the anchor', async () => {
    const { clock, customer: id, card } = await customer();
    const subscription = await stripe.subscriptions.create({
      customer: id,
      items: [{ price: 'price_pro_monthly' }],
      default_payment_method: card,
      billing_cycle_anchor: FEB_1,
      expand: ['latest_invoice'],
    });
    expect(subscription).toMatchObject({ status: 'active', billing_cycle_anchor: FEB_1 });
    expect(subscription.items.data[0]).toMatchObject({
      current_period_start: START,
      current_period_end: FEB_1,
    });
    const invoice = subscription.latest_invoice as Stripe.Invoice;
    // 17 of January's 31 days (1 Jan → 1 Feb is the full period ending at the anchor).
    expect(invoice.amount_paid).toBe(Math.round((2900 * 17) / 31));
    expect(invoice.lines.data[0]).toMatchObject({
      period: { start: START, end: FEB_1 },
      parent: { subscription_item_details: { proration: true } },
    });
    await stripe.testHelpers.testClocks.advance(clock, { frozen_time: FEB_1 + 2 * 3600 });
    const renewed = await stripe.subscriptions.retrieve(subscription.id, {
      expand: ['latest_invoice'],
    });
    expect(renewed.items.data[0].current_period_start).toBe(FEB_1);
    expect(renewed.latest_invoice).toMatchObject({ amount_paid: 2900, period_start: FEB_1 });
  });

  it('gives the stub period free with proration_behavior=none, and anchors by calendar with billing_cycle_anchor_config', async () => {
    const { customer: id, card } = await customer();
    const free = await stripe.subscriptions.create({
      customer: id,
      items: [{ price: 'price_starter_monthly' }],
      default_payment_method: card,
      billing_cycle_anchor: FEB_1,
      proration_behavior: 'none',
      expand: ['latest_invoice'],
    });
    expect(free.latest_invoice).toMatchObject({ amount_due: 0, status: 'paid' });
    expect(free.status).toBe('active');

    const byConfig = await stripe.subscriptions.create({
      customer: id,
      items: [{ price: 'price_starter_monthly' }],
      default_payment_method: card,
      billing_cycle_anchor_config: { day_of_month: 1, hour: 8 },
    });
    expect(byConfig).toMatchObject({
      billing_cycle_anchor: FEB_1,
      billing_cycle_anchor_config: { day_of_month: 1, hour: 8, minute: null },
    });
  });

  it('refuses an anchor in the past, beyond the next natural billing date, or with a trial', async () => {
    const { customer: id, card } = await customer();
    for (const [params, param] of [
      [{ billing_cycle_anchor: START - DAY }, 'billing_cycle_anchor'],
      [{ billing_cycle_anchor: START + 40 * DAY }, 'billing_cycle_anchor'],
      [{ billing_cycle_anchor: FEB_1, trial_period_days: 3 }, 'billing_cycle_anchor'],
    ] as const) {
      await expect(
        stripe.subscriptions.create({
          customer: id,
          items: [{ price: 'price_starter_monthly' }],
          default_payment_method: card,
          ...params,
        }),
      ).rejects.toMatchObject({ param });
    }
  });

  it('restarts the cycle now with billing_cycle_anchor=now, crediting the unused time', async () => {
    const { clock, customer: id, card } = await customer();
    const subscription = await stripe.subscriptions.create({
      customer: id,
      items: [{ price: 'price_starter_monthly' }],
      default_payment_method: card,
    });
    const now = START + 10 * DAY;
    await stripe.testHelpers.testClocks.advance(clock, { frozen_time: now });
    const restarted = await stripe.subscriptions.update(subscription.id, {
      billing_cycle_anchor: { type: 'now' },
      expand: ['latest_invoice'],
    });
    expect(restarted.billing_cycle_anchor).toBe(now);
    expect(restarted.items.data[0].current_period_start).toBe(now);
    const invoice = restarted.latest_invoice as Stripe.Invoice;
    expect(invoice.billing_reason).toBe('subscription_update');
    const credit = invoice.lines.data.find((line) => line.amount < 0);
    expect(credit?.amount).toBe(-Math.round((900 * 21) / 31));
    expect(invoice.total).toBe(900 + (credit?.amount ?? 0));
    const unchanged = await stripe.subscriptions.update(subscription.id, {
      billing_cycle_anchor: { type: 'unchanged' },
    });
    expect(unchanged.billing_cycle_anchor).toBe(now);
  });

  it('prorates as of proration_date, within the current period', async () => {
    const { clock, customer: id, card } = await customer();
    const subscription = await stripe.subscriptions.create({
      customer: id,
      items: [{ price: 'price_starter_monthly' }],
      default_payment_method: card,
    });
    await stripe.testHelpers.testClocks.advance(clock, { frozen_time: START + 20 * DAY });
    const item = subscription.items.data[0];
    await expect(
      stripe.subscriptions.update(subscription.id, {
        items: [{ id: item.id, price: 'price_pro_monthly' }],
        proration_date: START - DAY,
      }),
    ).rejects.toMatchObject({ param: 'proration_date' });
    await stripe.subscriptions.update(subscription.id, {
      items: [{ id: item.id, price: 'price_pro_monthly' }],
      proration_date: START + 10 * DAY,
    });
    const pending = await stripe.invoiceItems.list({ customer: id, pending: true });
    const amounts = pending.data.map((entry) => entry.amount).sort((a, b) => a - b);
    expect(amounts).toEqual([-Math.round((900 * 21) / 31), Math.round((2900 * 21) / 31)]);
    expect(pending.data[0].period.start).toBe(START + 10 * DAY);
  });
});
