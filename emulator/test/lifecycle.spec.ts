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

const PAID_INVOICE_CHARGE = [
  'payment_intent.created',
  'charge.succeeded',
  'payment_intent.succeeded',
  'invoice_payment.paid',
  'invoice.paid',
  'invoice.payment_succeeded',
];
const FAILED_INVOICE_CHARGE = [
  'payment_intent.created',
  'charge.failed',
  'payment_intent.payment_failed',
  'invoice.payment_failed',
];

describe('lifecycle flows and their event sequences', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeEach(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
  });
  afterEach(() => harness.close());

  async function checkout(
    params: Partial<Stripe.Checkout.SessionCreateParams> & { price: string },
    card = '4242424242424242',
  ): Promise<Stripe.Checkout.Session> {
    const { price, ...rest } = params;
    const session = await stripe.checkout.sessions.create({
      mode:
        price === 'price_lifetime' || price === 'price_credits_1000' ? 'payment' : 'subscription',
      line_items: [{ price, quantity: 1 }],
      success_url: 'https://app.example/success?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://app.example/cancel',
      ...rest,
    });
    const completion = await harness.control(`checkout/sessions/${session.id}/complete`, { card });
    expect(completion.status).toBe(200);
    return stripe.checkout.sessions.retrieve(session.id);
  }

  async function advanceGlobal(seconds: number): Promise<void> {
    const response = await harness.control('clock/advance', { seconds });
    expect(response.status).toBe(200);
  }

  it('checkout in subscription mode without a trial: customer, card, subscription, paid invoice, session completed', async () => {
    const marker = await latestEventId(stripe);
    const session = await checkout({
      price: 'price_pro_monthly',
      metadata: { accountId: 'a1' },
      subscription_data: { metadata: { accountId: 'a1' } },
      client_reference_id: 'a1',
    });
    expect(await eventTypesAfter(stripe, marker)).toEqual([
      'customer.created',
      'payment_method.attached',
      'customer.updated',
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      ...PAID_INVOICE_CHARGE,
      'customer.subscription.updated',
      'checkout.session.completed',
    ]);
    expect(session).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
      client_reference_id: 'a1',
      metadata: { accountId: 'a1' },
      amount_total: 2900,
    });
    const subscription = await stripe.subscriptions.retrieve(session.subscription as string, {
      expand: ['latest_invoice', 'customer', 'default_payment_method'],
    });
    expect(subscription).toMatchObject({
      status: 'active',
      metadata: { accountId: 'a1' },
      cancel_at_period_end: false,
    });
    expect((subscription.customer as Stripe.Customer).id).toBe(session.customer);
    expect((subscription.default_payment_method as Stripe.PaymentMethod).card?.last4).toBe('4242');
    expect(subscription.latest_invoice).toMatchObject({
      id: session.invoice,
      status: 'paid',
      amount_paid: 2900,
      billing_reason: 'subscription_create',
    });
    const item = subscription.items.data[0];
    expect(item.current_period_end - item.current_period_start).toBeGreaterThanOrEqual(28 * DAY);

    const created = (await eventsAfter(stripe, marker)).find(
      (event) => event.type === 'customer.subscription.created',
    );
    expect((created?.data.object as Stripe.Subscription).status).toBe('incomplete');
    expect((created?.data.object as Stripe.Subscription).latest_invoice).toBe(session.invoice);
    const paid = (await eventsAfter(stripe, marker)).find((event) => event.type === 'invoice.paid');
    expect(paid?.data.previous_attributes).toBeUndefined();
    const activated = (await eventsAfter(stripe, marker)).find(
      (event) => event.type === 'customer.subscription.updated',
    );
    expect(activated?.data.previous_attributes).toMatchObject({ status: 'incomplete' });
    const completed = (await eventsAfter(stripe, marker)).find(
      (event) => event.type === 'checkout.session.completed',
    );
    expect(completed?.request).toEqual({ id: null, idempotency_key: null });

    const expanded = await stripe.checkout.sessions.retrieve(session.id, {
      expand: ['subscription', 'invoice', 'customer', 'line_items'],
    });
    expect((expanded.subscription as Stripe.Subscription).id).toBe(subscription.id);
    expect((expanded.invoice as Stripe.Invoice).status).toBe('paid');
    expect(expanded.line_items?.data[0].price?.id).toBe('price_pro_monthly');
  });

  it('checkout with a trial: $0 invoice, trial_will_end 3 days before, then the first charge at trial end', async () => {
    const marker = await latestEventId(stripe);
    const session = await checkout({
      price: 'price_pro_monthly',
      subscription_data: { trial_period_days: 7 },
    });
    expect(session).toMatchObject({ payment_status: 'no_payment_required', amount_total: 0 });
    expect(await eventTypesAfter(stripe, marker)).toEqual([
      'customer.created',
      'payment_method.attached',
      'customer.updated',
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
      'invoice.payment_succeeded',
      'checkout.session.completed',
    ]);
    const subscription = await stripe.subscriptions.retrieve(session.subscription as string);
    expect(subscription.status).toBe('trialing');
    expect((subscription.trial_end ?? 0) - (subscription.trial_start ?? 0)).toBe(7 * DAY);
    expect(await stripe.invoices.retrieve(session.invoice as string)).toMatchObject({
      amount_due: 0,
      status: 'paid',
    });

    const beforeNotice = await latestEventId(stripe);
    await advanceGlobal(4 * DAY + 60);
    const notice = await eventsAfter(stripe, beforeNotice);
    // invoice.upcoming goes out 7 days (the default setting) before the first charge, which a
    // 7-day trial puts at its start; trial_will_end 3 days before the trial ends.
    expect(notice.map((event) => event.type)).toEqual([
      'invoice.upcoming',
      'customer.subscription.trial_will_end',
    ]);
    expect(notice[1].created).toBe((subscription.trial_end ?? 0) - 3 * DAY);
    const upcoming = notice[0].data.object as Stripe.Invoice;
    expect(upcoming.id).toBeUndefined();
    expect(upcoming).toMatchObject({ amount_due: 2900, period_start: subscription.trial_end });

    // At the trial end the first period starts with a draft invoice; Stripe finalizes and
    // charges it about an hour later (auto_advance).
    const beforeEnd = await latestEventId(stripe);
    await advanceGlobal(3 * DAY);
    const end = await eventsAfter(stripe, beforeEnd);
    expect(end.map((event) => event.type)).toEqual([
      'customer.subscription.updated',
      'invoice.created',
    ]);
    expect(end[0].data.previous_attributes).toMatchObject({ status: 'trialing' });
    const draft = end[1].data.object as Stripe.Invoice;
    expect(draft).toMatchObject({
      status: 'draft',
      auto_advance: true,
      automatically_finalizes_at: (subscription.trial_end ?? 0) + 3600,
    });
    const beforeCharge = await latestEventId(stripe);
    await advanceGlobal(3600);
    expect(await eventTypesAfter(stripe, beforeCharge)).toEqual([
      'invoice.finalized',
      ...PAID_INVOICE_CHARGE,
    ]);
    const active = await stripe.subscriptions.retrieve(subscription.id);
    expect(active.status).toBe('active');
    expect(active.items.data[0].current_period_start).toBe(subscription.trial_end);
    const invoice = await stripe.invoices.retrieve(active.latest_invoice as string);
    expect(invoice).toMatchObject({
      billing_reason: 'subscription_cycle',
      amount_paid: 2900,
      status: 'paid',
    });
  });

  it('checkout in payment mode: a paid payment intent carrying payment_intent_data.metadata', async () => {
    const marker = await latestEventId(stripe);
    const session = await checkout({
      price: 'price_lifetime',
      payment_intent_data: { metadata: { accountId: 'a2' } },
      customer_email: 'buyer@example.com',
    });
    expect(await eventTypesAfter(stripe, marker)).toEqual([
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'checkout.session.completed',
    ]);
    expect(session).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
      customer: null,
      subscription: null,
      customer_details: { email: 'buyer@example.com' },
    });
    const intent = await stripe.paymentIntents.retrieve(session.payment_intent as string, {
      expand: ['latest_charge'],
    });
    expect(intent).toMatchObject({
      status: 'succeeded',
      amount: 49900,
      metadata: { accountId: 'a2' },
    });
    expect((intent.latest_charge as Stripe.Charge).paid).toBe(true);

    const withCustomer = await checkout({
      price: 'price_credits_1000',
      customer_creation: 'always',
    });
    expect(withCustomer.customer).toMatch(/^cus_/);
  });

  it('checkout with a promotion code entered at payment applies the coupon to the invoice', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
      success_url: 'https://a.b/',
      allow_promotion_codes: true,
    });
    const completion = await harness.control(`checkout/sessions/${session.id}/complete`, {
      card: '4242424242424242',
      promotionCode: 'halfoff',
    });
    expect(completion.status).toBe(200);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done.amount_total).toBe(1450);
    const invoice = await stripe.invoices.retrieve(done.invoice as string);
    expect(invoice).toMatchObject({ subtotal: 2900, total: 1450, amount_paid: 1450 });
    expect(invoice.total_discount_amounts?.[0].amount).toBe(1450);
    const bad = await harness.control(
      `checkout/sessions/${(await stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ price: 'price_credits_1000', quantity: 1 }], success_url: 'https://a.b/', allow_promotion_codes: true })).id}/complete`,
      { promotionCode: 'NOPE' },
    );
    expect(bad.status).toBe(400);
  });

  it('a declined card at checkout completes nothing', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
      success_url: 'https://a.b/',
    });
    const marker = await latestEventId(stripe);
    const declined = await harness.control<{
      error: { type: string; decline_code: string; code: string };
    }>(`checkout/sessions/${session.id}/complete`, { card: '4000000000009995' });
    expect(declined.status).toBe(402);
    expect(declined.body.error).toMatchObject({
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'insufficient_funds',
    });
    expect(await eventTypesAfter(stripe, marker)).toEqual([]);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    expect((await stripe.customers.list()).data).toHaveLength(0);
  });

  it('renews at each period end with a subscription_cycle invoice', async () => {
    const session = await checkout({ price: 'price_starter_monthly' });
    const subscription = await stripe.subscriptions.retrieve(session.subscription as string);
    const firstEnd = subscription.items.data[0].current_period_end;
    const marker = await latestEventId(stripe);
    await advanceGlobal(firstEnd - Math.floor(Date.now() / 1000) + 3600 + 60);
    const all = await eventsAfter(stripe, marker);
    expect(all[0].type).toBe('invoice.upcoming');
    expect(all[0].created).toBe(firstEnd - 7 * DAY);
    const events = all.slice(1);
    // Renewal: new period and a draft at the period end, finalized and charged an hour later.
    expect(events.map((event) => event.type)).toEqual([
      'customer.subscription.updated',
      'invoice.created',
      'invoice.finalized',
      ...PAID_INVOICE_CHARGE,
    ]);
    expect(events[0].created).toBe(firstEnd);
    expect(events[1].created).toBe(firstEnd);
    expect(events[2].created).toBe(firstEnd + 3600);
    expect(events[0].data.previous_attributes).toHaveProperty('items');
    expect((events[0].data.object as Stripe.Subscription).latest_invoice).toBe(
      (events[1].data.object as Stripe.Invoice).id,
    );
    const renewed = await stripe.subscriptions.retrieve(subscription.id);
    expect(renewed.items.data[0].current_period_start).toBe(firstEnd);
    const invoice = await stripe.invoices.retrieve(renewed.latest_invoice as string);
    expect(invoice).toMatchObject({
      billing_reason: 'subscription_cycle',
      period_start: firstEnd,
      status: 'paid',
      amount_paid: 900,
    });
    expect(
      (await stripe.invoices.list({ customer: session.customer as string })).data,
    ).toHaveLength(2);
  });

  it("a failing renewal goes past_due, is retried on Stripe's Smart Retries default (8 tries within 2 weeks), then cancels the subscription", async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: 1_800_000_000 });
    const customer = await stripe.customers.create({
      email: 'fails@example.com',
      test_clock: clock.id,
    });
    const session = await checkout(
      {
        price: 'price_pro_monthly',
        customer: customer.id,
        subscription_data: { trial_period_days: 14 },
      },
      '4000000000000341',
    );
    const subscription = await stripe.subscriptions.retrieve(session.subscription as string);
    expect(subscription.status).toBe('trialing');
    const trialEnd = subscription.trial_end as number;
    // The trial-end invoice is a draft for an hour; then it is finalized and charged.
    const firstAttempt = trialEnd + 3600;
    const retryGap = (14 * DAY) / 8;

    let marker = await latestEventId(stripe);
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: firstAttempt + 60 });
    const failure = (await eventTypesAfter(stripe, marker)).filter(
      (type) => !type.startsWith('test_helpers.'),
    );
    expect(failure).toEqual([
      'invoice.upcoming',
      'customer.subscription.trial_will_end',
      'customer.subscription.updated',
      'invoice.created',
      'invoice.finalized',
      ...FAILED_INVOICE_CHARGE,
      'customer.subscription.updated',
    ]);
    const pastDue = await stripe.subscriptions.retrieve(subscription.id);
    expect(pastDue.status).toBe('past_due');
    const invoice = await stripe.invoices.retrieve(pastDue.latest_invoice as string);
    expect(invoice).toMatchObject({
      status: 'open',
      attempt_count: 1,
      next_payment_attempt: firstAttempt + retryGap,
    });

    marker = await latestEventId(stripe);
    await stripe.testHelpers.testClocks.advance(clock.id, {
      frozen_time: firstAttempt + retryGap + 60,
    });
    expect(
      (await eventTypesAfter(stripe, marker)).filter((type) => !type.startsWith('test_helpers.')),
    ).toEqual(FAILED_INVOICE_CHARGE);
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({
      attempt_count: 2,
      next_payment_attempt: firstAttempt + 2 * retryGap,
    });

    marker = await latestEventId(stripe);
    await stripe.testHelpers.testClocks.advance(clock.id, {
      frozen_time: firstAttempt + 14 * DAY + 60,
    });
    const rest = (await eventTypesAfter(stripe, marker)).filter(
      (type) => !type.startsWith('test_helpers.') && type !== 'invoice.upcoming',
    );
    expect(rest).toEqual([
      ...Array.from({ length: 7 }, () => FAILED_INVOICE_CHARGE).flat(),
      'customer.subscription.deleted',
    ]);
    const canceled = await stripe.subscriptions.retrieve(subscription.id);
    expect(canceled).toMatchObject({
      status: 'canceled',
      ended_at: firstAttempt + 14 * DAY,
      cancellation_details: { reason: 'payment_failed' },
    });
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({
      status: 'open',
      attempt_count: 9,
      next_payment_attempt: null,
    });
  });

  it('a retry that succeeds after the card is replaced makes the subscription active again', async () => {
    const session = await checkout({ price: 'price_starter_monthly' });
    const subscription = await stripe.subscriptions.retrieve(session.subscription as string);
    const failed = await harness.control(
      `payment_methods/${subscription.default_payment_method as string}/fail`,
      {},
    );
    expect(failed.status).toBe(200);
    // The renewal draft is finalized and charged an hour after the period ends.
    await advanceGlobal(
      subscription.items.data[0].current_period_end - Math.floor(Date.now() / 1000) + 3600 + 60,
    );
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');

    const replacement = await stripe.paymentMethods.attach('pm_card_visa', {
      customer: session.customer as string,
    });
    await stripe.subscriptions.update(subscription.id, { default_payment_method: replacement.id });
    const marker = await latestEventId(stripe);
    await advanceGlobal(3 * DAY);
    expect(await eventTypesAfter(stripe, marker)).toEqual([
      ...PAID_INVOICE_CHARGE,
      'customer.subscription.updated',
    ]);
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
  });

  it('cancel at period end, undo, cancel again, then canceled at the period end', async () => {
    const session = await checkout({ price: 'price_pro_monthly' });
    const id = session.subscription as string;
    const periodEnd = (await stripe.subscriptions.retrieve(id)).items.data[0].current_period_end;
    let marker = await latestEventId(stripe);
    const pending = await stripe.subscriptions.update(id, { cancel_at_period_end: true });
    expect(pending).toMatchObject({
      cancel_at_period_end: true,
      cancel_at: periodEnd,
      status: 'active',
    });
    expect(pending.canceled_at).not.toBeNull();
    const updates = await eventsAfter(stripe, marker);
    expect(updates.map((event) => event.type)).toEqual(['customer.subscription.updated']);
    expect(updates[0].data.previous_attributes).toMatchObject({
      cancel_at_period_end: false,
      cancel_at: null,
    });

    const undone = await stripe.subscriptions.update(id, { cancel_at_period_end: false });
    expect(undone).toMatchObject({
      cancel_at_period_end: false,
      cancel_at: null,
      canceled_at: null,
    });
    await stripe.subscriptions.update(id, { cancel_at_period_end: true });

    marker = await latestEventId(stripe);
    await advanceGlobal(periodEnd - Math.floor(Date.now() / 1000) + 60);
    expect(await eventTypesAfter(stripe, marker)).toEqual(['customer.subscription.deleted']);
    expect(await stripe.subscriptions.retrieve(id)).toMatchObject({
      status: 'canceled',
      ended_at: periodEnd,
      cancellation_details: { reason: 'cancellation_requested' },
    });
    expect(
      (await stripe.subscriptions.list({ customer: session.customer as string })).data,
    ).toHaveLength(0);
    expect(
      (await stripe.subscriptions.list({ customer: session.customer as string, status: 'all' }))
        .data,
    ).toHaveLength(1);
    expect(
      (
        await stripe.subscriptions.list({
          customer: session.customer as string,
          status: 'canceled',
        })
      ).data,
    ).toHaveLength(1);
  });

  it('cancel now ends the subscription at once', async () => {
    const session = await checkout({ price: 'price_pro_monthly' });
    const marker = await latestEventId(stripe);
    const canceled = await stripe.subscriptions.cancel(session.subscription as string, {
      invoice_now: false,
      prorate: false,
    });
    expect(canceled).toMatchObject({ status: 'canceled' });
    expect(canceled.ended_at).not.toBeNull();
    expect(await eventTypesAfter(stripe, marker)).toEqual(['customer.subscription.deleted']);
    await expect(stripe.subscriptions.cancel(canceled.id)).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it('plan change with create_prorations: invoice items now, billed with the next renewal', async () => {
    const session = await checkout({ price: 'price_starter_monthly' });
    const subscription = await stripe.subscriptions.retrieve(session.subscription as string);
    const item = subscription.items.data[0];
    const periodLength = item.current_period_end - item.current_period_start;
    await advanceGlobal(Math.floor(periodLength / 2));
    const marker = await latestEventId(stripe);
    const changed = await stripe.subscriptions.update(subscription.id, {
      items: [{ id: item.id, price: 'price_pro_monthly' }],
      proration_behavior: 'create_prorations',
    });
    expect(changed.items.data[0].price.id).toBe('price_pro_monthly');
    expect(changed.items.data[0].current_period_end).toBe(item.current_period_end);
    const events = await eventsAfter(stripe, marker);
    expect(events.map((event) => event.type)).toEqual([
      'invoiceitem.created',
      'invoiceitem.created',
      'customer.subscription.updated',
    ]);
    const pending = await stripe.invoiceItems.list({
      customer: session.customer as string,
      pending: true,
    });
    const amounts = pending.data.map((entry) => entry.amount).sort((a, b) => a - b);
    expect(amounts[0]).toBeLessThan(0);
    expect(amounts[1]).toBeGreaterThan(0);
    expect(Math.abs(amounts[0] + 450)).toBeLessThanOrEqual(20);
    expect(Math.abs(amounts[1] - 1450)).toBeLessThanOrEqual(60);

    // Past the first renewal and the hour before its invoice is finalized, never as far as the
    // second renewal (months differ in length, so no fixed period multiple is safe).
    await advanceGlobal(
      item.current_period_end -
        Math.floor(Date.now() / 1000) -
        Math.floor(periodLength / 2) +
        2 * 3600,
    );
    const renewal = await stripe.invoices.retrieve(
      (await stripe.subscriptions.retrieve(subscription.id)).latest_invoice as string,
    );
    expect(renewal.lines.data).toHaveLength(3);
    expect(renewal.total).toBe(2900 + amounts[0] + amounts[1]);
  });

  it('plan change with always_invoice bills the proration at once; an interval change restarts the period', async () => {
    const session = await checkout({ price: 'price_starter_monthly' });
    const subscription = await stripe.subscriptions.retrieve(session.subscription as string);
    const item = subscription.items.data[0];
    await advanceGlobal(10 * DAY);
    let marker = await latestEventId(stripe);
    const upgraded = await stripe.subscriptions.update(subscription.id, {
      items: [{ id: item.id, price: 'price_pro_monthly' }],
      proration_behavior: 'always_invoice',
    });
    expect(await eventTypesAfter(stripe, marker)).toEqual([
      'invoiceitem.created',
      'invoiceitem.created',
      'customer.subscription.updated',
      'invoice.created',
      'invoice.finalized',
      ...PAID_INVOICE_CHARGE,
    ]);
    const invoice = await stripe.invoices.retrieve(upgraded.latest_invoice as string);
    expect(invoice.billing_reason).toBe('subscription_update');
    expect(invoice.total).toBeGreaterThan(0);
    expect(invoice.total).toBeLessThan(2000);

    marker = await latestEventId(stripe);
    const yearly = await stripe.subscriptions.update(subscription.id, {
      items: [{ id: item.id, price: 'price_pro_yearly' }],
      proration_behavior: 'create_prorations',
    });
    const now = (await harness.control<{ now: number }>('clock', undefined, 'GET')).body.now;
    expect(yearly.items.data[0].current_period_start).toBeGreaterThanOrEqual(now - 5);
    expect(
      yearly.items.data[0].current_period_end - yearly.items.data[0].current_period_start,
    ).toBeGreaterThanOrEqual(365 * DAY);
    const yearlyInvoice = await stripe.invoices.retrieve(yearly.latest_invoice as string);
    expect(yearlyInvoice.billing_reason).toBe('subscription_update');
    expect(yearlyInvoice.total).toBeLessThan(29000);
    expect(yearlyInvoice.total).toBeGreaterThan(29000 - 2900);
    expect(await eventTypesAfter(stripe, marker)).toContain('invoice.paid');

    marker = await latestEventId(stripe);
    await stripe.subscriptions.update(subscription.id, {
      items: [{ id: item.id, price: 'price_pro_monthly' }],
      proration_behavior: 'none',
    });
    const quiet = await eventTypesAfter(stripe, marker);
    expect(quiet).not.toContain('invoiceitem.created');
  });

  it('moves or ends a trial through the API', async () => {
    const session = await checkout({
      price: 'price_pro_monthly',
      subscription_data: { trial_period_days: 7 },
    });
    const id = session.subscription as string;
    const trial = await stripe.subscriptions.retrieve(id);
    const later = (trial.trial_end as number) + 5 * DAY;
    const extended = await stripe.subscriptions.update(id, { trial_end: later });
    expect(extended).toMatchObject({ status: 'trialing', trial_end: later });
    expect(extended.items.data[0].current_period_end).toBe(later);

    const marker = await latestEventId(stripe);
    const ended = await stripe.subscriptions.update(id, { trial_end: 'now' });
    expect(ended.status).toBe('active');
    expect(ended.trial_end).toBe(ended.items.data[0].current_period_start);
    // Stripe sends trial_will_end when a trial is ended at once (trial_end=now).
    expect(await eventTypesAfter(stripe, marker)).toEqual([
      'customer.subscription.trial_will_end',
      'customer.subscription.updated',
      'invoice.created',
      'invoice.finalized',
      ...PAID_INVOICE_CHARGE,
    ]);
  });

  it('a trial without a payment method pauses (or cancels) at its end, and resume restarts billing', async () => {
    const customer = await stripe.customers.create({ email: 'no-card@example.com' });
    const paused = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: 'price_pro_monthly' }],
      trial_period_days: 3,
      trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
    });
    const canceled = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: 'price_starter_monthly' }],
      trial_period_days: 3,
      trial_settings: { end_behavior: { missing_payment_method: 'cancel' } },
    });
    const marker = await latestEventId(stripe);
    await advanceGlobal(3 * DAY + 60);
    const types = await eventTypesAfter(stripe, marker);
    expect(types.filter((type) => type !== 'customer.subscription.trial_will_end')).toEqual([
      'customer.subscription.updated',
      'customer.subscription.paused',
      'customer.subscription.deleted',
    ]);
    expect((await stripe.subscriptions.retrieve(paused.id)).status).toBe('paused');
    expect((await stripe.subscriptions.retrieve(canceled.id)).status).toBe('canceled');

    const method = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stripe.subscriptions.update(paused.id, { default_payment_method: method.id });
    const beforeResume = await latestEventId(stripe);
    const resumed = await stripe.subscriptions.resume(paused.id);
    expect(resumed.status).toBe('active');
    expect(await eventTypesAfter(stripe, beforeResume)).toEqual([
      'customer.subscription.resumed',
      'customer.subscription.updated',
      'invoice.created',
      'invoice.finalized',
      ...PAID_INVOICE_CHARGE,
    ]);
    await expect(stripe.subscriptions.resume(paused.id)).rejects.toMatchObject({ statusCode: 400 });
  });

  it('an unpaid checkout session expires after 24 hours (or its expires_at)', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: 'price_credits_1000', quantity: 1 }],
      success_url: 'https://a.b/',
    });
    const short = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: 'price_credits_1000', quantity: 1 }],
      success_url: 'https://a.b/',
      expires_at: Math.floor(Date.now() / 1000) + 3600,
    });
    const marker = await latestEventId(stripe);
    await advanceGlobal(2 * 3600);
    const first = await eventsAfter(stripe, marker);
    expect(first.map((event) => event.type)).toEqual(['checkout.session.expired']);
    expect((first[0].data.object as Stripe.Checkout.Session).id).toBe(short.id);
    await advanceGlobal(DAY);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('expired');
    const late = await harness.control(`checkout/sessions/${session.id}/complete`, {});
    expect(late.status).toBe(400);
  });

  it('the control clock reports and only moves forward', async () => {
    const before = (await harness.control<{ now: number }>('clock', undefined, 'GET')).body.now;
    const advanced = await harness.control<{ now: number }>('clock/advance', { to: before + 1000 });
    expect(advanced.body.now).toBeGreaterThanOrEqual(before + 1000);
    expect(Math.abs(harness.emulator.now().getTime() / 1000 - advanced.body.now)).toBeLessThan(5);
    expect((await harness.control('clock/advance', { to: before })).status).toBe(400);
  });
});
