import type Stripe from 'stripe';
import {
  DAY,
  SANDBOX_CATALOG,
  eventTypesAfter,
  eventsAfter,
  latestEventId,
  startHarness,
  type Harness,
} from './support/harness';

const HOUR = 3600;
const START = 1_800_000_000;

/**
 * Stripe's timing, on test clocks: renewal drafts finalized an hour later, invoice.upcoming,
 * trial_will_end whenever the trial end comes within three days, Smart Retries and the
 * configured end state, and the billing settings that change them.
 */
describe('billing timing', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
  });
  afterEach(async () => {
    await harness.control('billing/settings', {
      upcomingRenewalDays: 7,
      finalizationDelaySeconds: 3600,
      retries: { attempts: 8, windowDays: 14 },
      afterRetries: { subscription: 'cancel', invoice: 'past_due' },
    });
  });
  afterAll(() => harness.close());

  async function clockCustomer(card: string | null = 'pm_card_visa'): Promise<{
    clock: Stripe.TestHelpers.TestClock;
    customer: Stripe.Customer;
    method: string | null;
  }> {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: START });
    const customer = await stripe.customers.create({
      email: 'timing@example.com',
      test_clock: clock.id,
    });
    const method =
      card === null
        ? null
        : (await stripe.paymentMethods.attach(card, { customer: customer.id })).id;
    return { clock, customer, method };
  }

  const advance = (clock: Stripe.TestHelpers.TestClock, to: number) =>
    stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: to });

  const withoutClockEvents = (types: string[]): string[] =>
    types.filter((type) => !type.startsWith('test_helpers.'));

  it('sends invoice.upcoming the configured days before a renewal, with the invoice to come', async () => {
    await harness.control('billing/settings', { upcomingRenewalDays: 3 });
    const { clock, customer, method } = await clockCustomer();
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: 'price_starter_monthly' }],
      default_payment_method: method as string,
    });
    const periodEnd = subscription.items.data[0].current_period_end;
    const marker = await latestEventId(stripe);
    await advance(clock, periodEnd - 3 * DAY + 60);
    const events = (await eventsAfter(stripe, marker)).filter(
      (event) => !event.type.startsWith('test_helpers.'),
    );
    expect(events.map((event) => event.type)).toEqual(['invoice.upcoming']);
    expect(events[0].created).toBe(periodEnd - 3 * DAY);
    const upcoming = events[0].data.object as Stripe.Invoice;
    expect(upcoming).toMatchObject({
      object: 'invoice',
      billing_reason: 'upcoming',
      amount_due: 900,
      period_start: periodEnd,
      customer: customer.id,
    });
    expect('id' in upcoming).toBe(false);

    // No notice for a renewal that will not happen.
    await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    const second = await latestEventId(stripe);
    await advance(clock, periodEnd + 25 * DAY);
    expect(withoutClockEvents(await eventTypesAfter(stripe, second))).toEqual([
      'customer.subscription.deleted',
    ]);
  });

  it('sends trial_will_end at once for a short trial and when the trial end is moved within three days', async () => {
    const { customer, method } = await clockCustomer();
    const marker = await latestEventId(stripe);
    const short = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: 'price_pro_monthly' }],
      default_payment_method: method as string,
      trial_period_days: 2,
    });
    expect(await eventTypesAfter(stripe, marker)).toEqual([
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
      'invoice.payment_succeeded',
      'customer.subscription.trial_will_end',
    ]);
    const long = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: 'price_starter_monthly' }],
      default_payment_method: method as string,
      trial_period_days: 30,
    });
    const beforeMove = await latestEventId(stripe);
    await stripe.subscriptions.update(long.id, { trial_end: START + 10 * DAY });
    expect(await eventTypesAfter(stripe, beforeMove)).toEqual(['customer.subscription.updated']);
    const beforeShorten = await latestEventId(stripe);
    await stripe.subscriptions.update(long.id, { trial_end: START + 2 * DAY });
    expect(await eventTypesAfter(stripe, beforeShorten)).toEqual([
      'customer.subscription.updated',
      'customer.subscription.trial_will_end',
    ]);
    expect(short.status).toBe('trialing');
  });

  it('keeps a renewal draft while auto_advance is off, and finalizes and charges it on request', async () => {
    const { clock, customer, method } = await clockCustomer();
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: 'price_starter_monthly' }],
      default_payment_method: method as string,
    });
    const periodEnd = subscription.items.data[0].current_period_end;
    await advance(clock, periodEnd + 60);
    const draft = await stripe.invoices.retrieve(
      (await stripe.subscriptions.retrieve(subscription.id)).latest_invoice as string,
    );
    expect(draft).toMatchObject({
      status: 'draft',
      auto_advance: true,
      automatically_finalizes_at: periodEnd + HOUR,
      billing_reason: 'subscription_cycle',
    });
    const paused = await stripe.invoices.update(draft.id, { auto_advance: false });
    expect(paused).toMatchObject({ auto_advance: false, automatically_finalizes_at: null });
    await advance(clock, periodEnd + 2 * DAY);
    expect((await stripe.invoices.retrieve(draft.id)).status).toBe('draft');
    const marker = await latestEventId(stripe);
    const finalized = await stripe.invoices.finalizeInvoice(draft.id, { auto_advance: true });
    expect(finalized.status).toBe('paid');
    expect(await eventTypesAfter(stripe, marker)).toEqual([
      'invoice.finalized',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice_payment.paid',
      'invoice.paid',
      'invoice.payment_succeeded',
    ]);
    await expect(stripe.invoices.update(draft.id, { auto_advance: true })).rejects.toMatchObject({
      code: 'invoice_not_editable',
    });
  });

  it('retries on the configured schedule, then marks the subscription unpaid and the invoice uncollectible when told to', async () => {
    await harness.control('billing/settings', {
      retries: { attempts: 3, windowDays: 6 },
      afterRetries: { subscription: 'unpaid', invoice: 'uncollectible' },
    });
    const { clock, customer, method } = await clockCustomer('pm_card_visa');
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: 'price_starter_monthly' }],
      default_payment_method: method as string,
    });
    await harness.control(`payment_methods/${method as string}/fail`, {});
    const periodEnd = subscription.items.data[0].current_period_end;
    const firstAttempt = periodEnd + HOUR;
    await advance(clock, firstAttempt + 60);
    const failed = (await stripe.subscriptions.retrieve(subscription.id)).latest_invoice as string;
    expect(await stripe.invoices.retrieve(failed)).toMatchObject({
      status: 'open',
      next_payment_attempt: firstAttempt + 2 * DAY,
    });
    const marker = await latestEventId(stripe);
    await advance(clock, firstAttempt + 6 * DAY + 60);
    const types = withoutClockEvents(await eventTypesAfter(stripe, marker));
    expect(types.filter((type) => type === 'invoice.payment_failed')).toHaveLength(3);
    expect(types.slice(-2)).toEqual([
      'invoice.marked_uncollectible',
      'customer.subscription.updated',
    ]);
    expect(await stripe.subscriptions.retrieve(subscription.id)).toMatchObject({
      status: 'unpaid',
    });
    expect(await stripe.invoices.retrieve(failed)).toMatchObject({
      status: 'uncollectible',
      attempt_count: 4,
    });

    // An unpaid subscription still renews, but its invoices stay drafts nobody collects.
    await advance(clock, periodEnd + 31 * DAY + 2 * HOUR);
    const renewal = await stripe.invoices.retrieve(
      (await stripe.subscriptions.retrieve(subscription.id)).latest_invoice as string,
    );
    expect(renewal).toMatchObject({ status: 'draft', auto_advance: false });
    // An uncollectible invoice can still be paid; paying it brings the subscription back.
    const beforePaying = await latestEventId(stripe);
    const paid = await stripe.invoices.pay(failed, { paid_out_of_band: true });
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 900, amount_remaining: 0 });
    expect(await eventTypesAfter(stripe, beforePaying)).toEqual([
      'invoice.paid',
      'customer.subscription.updated',
    ]);
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
  });

  it('does not retry without a payment method, and ends the subscription when the window closes', async () => {
    const { clock, customer } = await clockCustomer(null);
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: 'price_starter_monthly' }],
      trial_period_days: 5,
    });
    await advance(clock, START + 5 * DAY + HOUR + 60);
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');
    const marker = await latestEventId(stripe);
    await advance(clock, START + 5 * DAY + HOUR + 14 * DAY + 60);
    expect(
      withoutClockEvents(await eventTypesAfter(stripe, marker)).filter(
        (type) => type !== 'invoice.upcoming',
      ),
    ).toEqual(['customer.subscription.deleted']);
  });
});
