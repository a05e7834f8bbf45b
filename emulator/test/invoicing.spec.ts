import Stripe from 'stripe';
import {
  DAY,
  SANDBOX_CATALOG,
  eventTypesAfter,
  latestEventId,
  startHarness,
  type Harness,
} from './support/harness';

const START = 1_800_000_000;

describe('collection by sent invoice, and payments made elsewhere', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
  });
  afterAll(() => harness.close());

  async function clockCustomer(): Promise<{ clock: string; customer: string; card: string }> {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: START });
    const customer = await stripe.customers.create({
      email: 'invoiced@example.com',
      test_clock: clock.id,
    });
    const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stripe.customers.update(customer.id, {
      invoice_settings: { default_payment_method: card.id },
    });
    return { clock: clock.id, customer: customer.id, card: card.id };
  }

  it('sends invoices with a due date instead of charging the card (send_invoice + days_until_due)', async () => {
    const { clock, customer } = await clockCustomer();
    await expect(
      stripe.subscriptions.create({
        customer,
        items: [{ price: 'price_pro_monthly' }],
        collection_method: 'send_invoice',
      }),
    ).rejects.toMatchObject({ code: 'parameter_missing', param: 'days_until_due' });
    await expect(
      stripe.subscriptions.create({
        customer,
        items: [{ price: 'price_pro_monthly' }],
        days_until_due: 14,
      }),
    ).rejects.toMatchObject({ param: 'days_until_due' });

    const marker = await latestEventId(stripe);
    const subscription = await stripe.subscriptions.create({
      customer,
      items: [{ price: 'price_pro_monthly' }],
      collection_method: 'send_invoice',
      days_until_due: 14,
      expand: ['latest_invoice'],
    });
    expect(subscription).toMatchObject({
      status: 'active',
      collection_method: 'send_invoice',
      days_until_due: 14,
    });
    const invoice = subscription.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({
      status: 'open',
      collection_method: 'send_invoice',
      amount_due: 2900,
      amount_paid: 0,
      attempt_count: 0,
      due_date: START + 14 * DAY,
    });
    expect(await eventTypesAfter(stripe, marker)).toEqual([
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
    ]);
    expect((await stripe.paymentIntents.list({ customer })).data).toHaveLength(0);

    // Past the due date, unpaid: the subscription is past due.
    await stripe.testHelpers.testClocks.advance(clock, { frozen_time: START + 14 * DAY + 60 });
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');
    // The customer pays by bank transfer; the invoice is marked paid out of band.
    const before = await latestEventId(stripe);
    const paid = await stripe.invoices.pay(invoice.id, { paid_out_of_band: true });
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 2900, amount_remaining: 0 });
    expect(await eventTypesAfter(stripe, before)).toEqual([
      'invoice.paid',
      'customer.subscription.updated',
    ]);
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');

    // The renewal is a draft for an hour, then finalized with a new due date, never charged.
    const periodEnd = subscription.items.data[0].current_period_end;
    await stripe.testHelpers.testClocks.advance(clock, { frozen_time: periodEnd + 3600 + 60 });
    const renewal = await stripe.invoices.retrieve(
      (await stripe.subscriptions.retrieve(subscription.id)).latest_invoice as string,
    );
    expect(renewal).toMatchObject({
      status: 'open',
      billing_reason: 'subscription_cycle',
      collection_method: 'send_invoice',
      due_date: periodEnd + 3600 + 14 * DAY,
      attempt_count: 0,
    });
    // Paying it by card is still possible.
    expect((await stripe.invoices.pay(renewal.id)).status).toBe('paid');
  });

  it('switches an existing subscription to sent invoices and back', async () => {
    const { customer } = await clockCustomer();
    const subscription = await stripe.subscriptions.create({
      customer,
      items: [{ price: 'price_starter_monthly' }],
    });
    const switched = await stripe.subscriptions.update(subscription.id, {
      collection_method: 'send_invoice',
      days_until_due: 30,
    });
    expect(switched).toMatchObject({ collection_method: 'send_invoice', days_until_due: 30 });
    const back = await stripe.subscriptions.update(subscription.id, {
      collection_method: 'charge_automatically',
    });
    expect(back).toMatchObject({ collection_method: 'charge_automatically', days_until_due: null });
  });

  it('marks a failed invoice paid out of band: no charge, no more retries, the subscription active again', async () => {
    const { clock, customer, card } = await clockCustomer();
    const subscription = await stripe.subscriptions.create({
      customer,
      items: [{ price: 'price_starter_monthly' }],
      default_payment_method: card,
    });
    await harness.control(`payment_methods/${card}/fail`, {});
    const periodEnd = subscription.items.data[0].current_period_end;
    await stripe.testHelpers.testClocks.advance(clock, { frozen_time: periodEnd + 3600 + 60 });
    const failed = await stripe.invoices.retrieve(
      (await stripe.subscriptions.retrieve(subscription.id)).latest_invoice as string,
    );
    expect(failed).toMatchObject({ status: 'open', attempt_count: 1 });
    expect(failed.next_payment_attempt).not.toBeNull();
    await expect(
      stripe.invoices.pay(failed.id, { paid_out_of_band: true, payment_method: card }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    const paid = await stripe.invoices.pay(failed.id, { paid_out_of_band: true });
    expect(paid).toMatchObject({ status: 'paid', next_payment_attempt: null, attempt_count: 1 });
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
    const marker = await latestEventId(stripe);
    await stripe.testHelpers.testClocks.advance(clock, { frozen_time: periodEnd + 10 * DAY });
    expect(
      (await eventTypesAfter(stripe, marker)).filter((type) => !type.startsWith('test_helpers.')),
    ).toEqual([]);
    await expect(stripe.invoices.pay(failed.id)).rejects.toMatchObject({
      code: 'invoice_already_paid',
    });
  });
});
