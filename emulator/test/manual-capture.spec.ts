import type Stripe from 'stripe';
import { DAY, eventTypesAfter, latestEventId, startHarness, type Harness } from './support/harness';

describe('payment intents with capture_method=manual', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness();
    stripe = harness.stripe;
  });
  afterAll(() => harness.close());

  async function authorize(amount: number): Promise<Stripe.PaymentIntent> {
    return stripe.paymentIntents.create({
      amount,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      capture_method: 'manual',
      confirm: true,
    });
  }

  it('authorizes without capturing, then captures all of it', async () => {
    const marker = await latestEventId(stripe);
    const intent = await authorize(2000);
    expect(intent).toMatchObject({
      status: 'requires_capture',
      capture_method: 'manual',
      amount_capturable: 2000,
      amount_received: 0,
    });
    expect(await stripe.charges.retrieve(intent.latest_charge as string)).toMatchObject({
      captured: false,
      amount_captured: 0,
      paid: true,
      status: 'succeeded',
    });
    expect(await eventTypesAfter(stripe, marker)).toEqual([
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.amount_capturable_updated',
    ]);
    const beforeCapture = await latestEventId(stripe);
    const captured = await stripe.paymentIntents.capture(intent.id);
    expect(captured).toMatchObject({
      status: 'succeeded',
      amount_received: 2000,
      amount_capturable: 0,
    });
    expect(await stripe.charges.retrieve(intent.latest_charge as string)).toMatchObject({
      captured: true,
      amount_captured: 2000,
      amount_refunded: 0,
    });
    expect(await eventTypesAfter(stripe, beforeCapture)).toEqual([
      'charge.captured',
      'payment_intent.succeeded',
    ]);
    await expect(stripe.paymentIntents.capture(intent.id)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
    await expect(stripe.paymentIntents.cancel(intent.id)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
  });

  it('captures part of it and releases the rest as a refund', async () => {
    const intent = await authorize(5000);
    await expect(
      stripe.paymentIntents.capture(intent.id, { amount_to_capture: 6000 }),
    ).rejects.toMatchObject({ param: 'amount_to_capture' });
    const marker = await latestEventId(stripe);
    const captured = await stripe.paymentIntents.capture(intent.id, { amount_to_capture: 3000 });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 3000 });
    const charge = await stripe.charges.retrieve(intent.latest_charge as string, {
      expand: ['refunds'],
    });
    expect(charge).toMatchObject({
      captured: true,
      amount_captured: 3000,
      amount_refunded: 2000,
      refunded: false,
    });
    expect(charge.refunds?.data.map((refund) => refund.amount)).toEqual([2000]);
    expect(await eventTypesAfter(stripe, marker)).toEqual([
      'charge.captured',
      'refund.created',
      'charge.refunded',
      'payment_intent.succeeded',
    ]);
    // What was captured can still be refunded, and no more.
    await expect(
      stripe.refunds.create({ payment_intent: intent.id, amount: 3001 }),
    ).rejects.toMatchObject({
      code: 'amount_too_large',
    });
    expect((await stripe.refunds.create({ payment_intent: intent.id })).amount).toBe(3000);
  });

  it('cancels an authorization, releasing the hold', async () => {
    const intent = await authorize(1500);
    const marker = await latestEventId(stripe);
    const canceled = await stripe.paymentIntents.cancel(intent.id, {
      cancellation_reason: 'requested_by_customer',
    });
    expect(canceled).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'requested_by_customer',
      amount_capturable: 0,
    });
    expect(canceled.canceled_at).not.toBeNull();
    expect(await stripe.charges.retrieve(intent.latest_charge as string)).toMatchObject({
      refunded: true,
      amount_refunded: 1500,
    });
    expect(await eventTypesAfter(stripe, marker)).toEqual([
      'refund.created',
      'charge.refunded',
      'payment_intent.canceled',
    ]);
    const unconfirmed = await stripe.paymentIntents.create({ amount: 100, currency: 'usd' });
    expect((await stripe.paymentIntents.cancel(unconfirmed.id)).status).toBe('canceled');
  });

  it('lets an authorization lapse after seven days', async () => {
    const intent = await authorize(700);
    const marker = await latestEventId(stripe);
    await harness.control('clock/advance', { seconds: 7 * DAY + 60 });
    expect(await stripe.paymentIntents.retrieve(intent.id)).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'automatic',
    });
    expect(await eventTypesAfter(stripe, marker)).toEqual([
      'refund.created',
      'charge.refunded',
      'charge.expired',
      'payment_intent.canceled',
    ]);
  });

  it('refuses to cancel the payment intent of an invoice', async () => {
    const customer = await stripe.customers.create({ email: 'invoice-pi@example.com' });
    const product = await stripe.products.create({ name: 'Monthly' });
    const price = await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 1000,
      recurring: { interval: 'month' },
    });
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', {
      customer: customer.id,
    });
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      default_payment_method: failing.id,
      expand: ['latest_invoice.payments'],
    });
    const invoice = subscription.latest_invoice as Stripe.Invoice;
    const intentId = invoice.payments?.data[0].payment.payment_intent as string;
    await expect(stripe.paymentIntents.cancel(intentId)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
  });
});
