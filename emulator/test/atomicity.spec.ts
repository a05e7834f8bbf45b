import Stripe from 'stripe';
import {
  SANDBOX_CATALOG,
  WebhookReceiver,
  latestEventId,
  eventTypesAfter,
  startHarness,
  type Harness,
} from './support/harness';

/**
 * Every request is one atomic step: a request that fails changes nothing and emits no event, on
 * any endpoint, because the store undoes whatever the request touched (see store/unit-of-work.ts).
 */
describe('per-request atomicity', () => {
  let harness: Harness;
  let stripe: Stripe;
  let receiver: WebhookReceiver;

  beforeEach(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
    receiver = await new WebhookReceiver().start();
    await stripe.webhookEndpoints.create({ url: `${receiver.url}/hook`, enabled_events: ['*'] });
  });
  afterEach(async () => {
    await harness.close();
    await receiver.close();
  });

  async function flush(): Promise<void> {
    expect((await harness.control('webhooks/flush')).status).toBe(200);
  }

  it('customers.create that fails after creating the customer leaves no customer and sends nothing', async () => {
    const marker = await latestEventId(stripe);
    const error = await stripe.customers
      .create({
        email: 'ghost@example.com',
        invoice_settings: { default_payment_method: 'pm_does_not_exist' },
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ code: 'resource_missing' });

    expect((await stripe.customers.list({ email: 'ghost@example.com' })).data).toEqual([]);
    expect(await eventTypesAfter(stripe, marker)).toEqual([]);
    await flush();
    expect(receiver.received).toEqual([]);
  });

  it('customers.update that fails leaves the customer as it was, with no event', async () => {
    const customer = await stripe.customers.create({
      email: 'before@example.com',
      metadata: { plan: 'a' },
    });
    await flush();
    const marker = await latestEventId(stripe);
    const deliveredBefore = receiver.received.length;

    const error = await stripe.customers
      .update(customer.id, {
        email: 'after@example.com',
        metadata: { plan: 'b' },
        invoice_settings: { default_payment_method: 'pm_does_not_exist' },
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing' });

    const reread = await stripe.customers.retrieve(customer.id);
    expect(reread).toMatchObject({ email: 'before@example.com', metadata: { plan: 'a' } });
    expect(await eventTypesAfter(stripe, marker)).toEqual([]);
    await flush();
    expect(receiver.received).toHaveLength(deliveredBefore);
  });

  it('a subscription whose first payment fails with error_if_incomplete leaves no subscription, invoice or charge', async () => {
    const customer = await stripe.customers.create({ email: 'declined@example.com' });
    const card = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', {
      customer: customer.id,
    });
    const marker = await latestEventId(stripe);

    const error = await stripe.subscriptions
      .create({
        customer: customer.id,
        items: [{ price: 'price_pro_monthly' }],
        default_payment_method: card.id,
        payment_behavior: 'error_if_incomplete',
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);

    expect(
      (await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data,
    ).toEqual([]);
    expect((await stripe.invoices.list({ customer: customer.id })).data).toEqual([]);
    expect((await stripe.paymentIntents.list({ customer: customer.id })).data).toEqual([]);
    expect(await eventTypesAfter(stripe, marker)).toEqual([]);
  });

  it('a declined invoice payment is an attempt Stripe records: its effects stay', async () => {
    const customer = await stripe.customers.create({ email: 'retry@example.com' });
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', {
      customer: customer.id,
    });
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: 'price_pro_monthly' }],
      default_payment_method: failing.id,
    });
    const invoiceId = subscription.latest_invoice as string;
    const marker = await latestEventId(stripe);

    await expect(stripe.invoices.pay(invoiceId)).rejects.toBeInstanceOf(
      Stripe.errors.StripeCardError,
    );
    expect((await stripe.invoices.retrieve(invoiceId)).attempt_count).toBe(2);
    expect(await eventTypesAfter(stripe, marker)).toContain('invoice.payment_failed');
  });

  it('a failed request with an idempotency key stores the error, and the state is still untouched on replay', async () => {
    const customer = await stripe.customers.create({ email: 'same@example.com' });
    const attempt = (): Promise<unknown> =>
      stripe.customers
        .update(
          customer.id,
          {
            email: 'changed@example.com',
            invoice_settings: { default_payment_method: 'pm_missing' },
          },
          { idempotencyKey: 'atomic-replay' },
        )
        .catch((caught: unknown) => caught);
    const first = await attempt();
    const second = await attempt();
    expect(first).toMatchObject({ statusCode: 404 });
    expect(second).toMatchObject({
      statusCode: 404,
      headers: expect.objectContaining({ 'idempotent-replayed': 'true' }),
    });
    expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
      email: 'same@example.com',
    });
  });

  it('a control-API step that fails changes nothing either', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
      customer_email: 'page@example.com',
      success_url: 'http://localhost/success',
    });
    const marker = await latestEventId(stripe);
    const declined = await harness.control(`checkout/sessions/${session.id}/complete`, {
      card: '4000000000009995',
    });
    expect(declined.status).toBe(402);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    expect((await stripe.customers.list({ email: 'page@example.com' })).data).toEqual([]);
    expect(await eventTypesAfter(stripe, marker)).toEqual([]);
  });
});
