import type Stripe from 'stripe';
import {
  DAY,
  SANDBOX_CATALOG,
  eventTypesAfter,
  latestEventId,
  startHarness,
  type Harness,
} from './support/harness';

const START = 1_800_000_000;
const HOUR = 3600;

describe('pause_collection, default_incomplete and pending_if_incomplete', () => {
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

  async function subscribed(card = 'pm_card_visa', price = 'price_starter_monthly') {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: START });
    const customer = await stripe.customers.create({
      email: 'behaviour@example.com',
      test_clock: clock.id,
    });
    const method = await stripe.paymentMethods.attach(card, { customer: customer.id });
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price }],
      default_payment_method: method.id,
    });
    return { clock: clock.id, customer: customer.id, method: method.id, subscription };
  }

  const advance = (clock: string, to: number) =>
    stripe.testHelpers.testClocks.advance(clock, { frozen_time: to });

  const latestInvoice = async (subscriptionId: string): Promise<Stripe.Invoice> =>
    stripe.invoices.retrieve(
      (await stripe.subscriptions.retrieve(subscriptionId)).latest_invoice as string,
    );

  describe('pause_collection', () => {
    it.each([
      ['void', 'void'],
      ['mark_uncollectible', 'uncollectible'],
      ['keep_as_draft', 'draft'],
    ] as const)(
      '%s: the renewal is not collected, and leaves the invoice %s',
      async (behavior, status) => {
        const { clock, subscription } = await subscribed();
        const paused = await stripe.subscriptions.update(subscription.id, {
          pause_collection: { behavior },
        });
        expect(paused).toMatchObject({
          status: 'active',
          pause_collection: { behavior, resumes_at: null },
        });
        const periodEnd = subscription.items.data[0].current_period_end;
        await advance(clock, periodEnd + 2 * HOUR);
        const renewal = await latestInvoice(subscription.id);
        expect(renewal).toMatchObject({
          status,
          billing_reason: 'subscription_cycle',
          amount_paid: 0,
        });
        expect(renewal.auto_advance).toBe(false);
        expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
        expect(
          (await stripe.charges.list({ customer: subscription.customer as string })).data,
        ).toHaveLength(1);
      },
    );

    it('resumes collecting at resumes_at, or when unset', async () => {
      const { clock, subscription } = await subscribed();
      const periodEnd = subscription.items.data[0].current_period_end;
      await expect(
        stripe.subscriptions.update(subscription.id, {
          pause_collection: { behavior: 'void', resumes_at: START - 1 },
        }),
      ).rejects.toMatchObject({ param: 'pause_collection[resumes_at]' });
      await stripe.subscriptions.update(subscription.id, {
        pause_collection: { behavior: 'void', resumes_at: periodEnd + 10 * DAY },
      });
      const marker = await latestEventId(stripe);
      await advance(clock, periodEnd + 10 * DAY + 60);
      const types = (await eventTypesAfter(stripe, marker)).filter(
        (type) => !type.startsWith('test_helpers.'),
      );
      expect(types).toContain('invoice.voided');
      expect(types[types.length - 1]).toBe('customer.subscription.updated');
      expect((await stripe.subscriptions.retrieve(subscription.id)).pause_collection).toBeNull();
      const nextEnd = (await stripe.subscriptions.retrieve(subscription.id)).items.data[0]
        .current_period_end;
      await advance(clock, nextEnd + 2 * HOUR);
      expect(await latestInvoice(subscription.id)).toMatchObject({ status: 'paid' });

      await stripe.subscriptions.update(subscription.id, {
        pause_collection: { behavior: 'keep_as_draft' },
      });
      const resumed = await stripe.subscriptions.update(subscription.id, { pause_collection: '' });
      expect(resumed.pause_collection).toBeNull();
    });
  });

  describe('payment_behavior=default_incomplete', () => {
    it('leaves the subscription incomplete, even with a saved card, until the client confirms the payment', async () => {
      const clock = await stripe.testHelpers.testClocks.create({ frozen_time: START });
      const customer = await stripe.customers.create({
        email: 'elements@example.com',
        test_clock: clock.id,
        payment_method: 'pm_card_visa',
      });
      const saved = (await stripe.paymentMethods.list({ customer: customer.id })).data[0];
      await stripe.customers.update(customer.id, {
        invoice_settings: { default_payment_method: saved.id },
      });
      const marker = await latestEventId(stripe);
      const subscription = await stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: 'price_pro_monthly' }],
        payment_behavior: 'default_incomplete',
        payment_settings: { save_default_payment_method: 'on_subscription' },
        expand: ['latest_invoice.payments', 'latest_invoice.confirmation_secret'],
      });
      expect(subscription).toMatchObject({
        status: 'incomplete',
        payment_settings: { save_default_payment_method: 'on_subscription' },
        default_payment_method: null,
      });
      const invoice = subscription.latest_invoice as Stripe.Invoice;
      expect(invoice).toMatchObject({ status: 'open', amount_paid: 0, attempt_count: 0 });
      const intent = await stripe.paymentIntents.retrieve(
        invoice.payments?.data[0].payment.payment_intent as string,
      );
      expect(intent).toMatchObject({ status: 'requires_confirmation', amount: 2900 });
      // What the client confirms with, in this API version.
      expect(invoice.confirmation_secret).toEqual({
        client_secret: intent.client_secret,
        type: 'payment_intent',
      });
      expect(await eventTypesAfter(stripe, marker)).toEqual([
        'customer.subscription.created',
        'invoice.created',
        'invoice.finalized',
        'payment_intent.created',
      ]);
      // The client confirms with a new card; the invoice is paid, the card saved on the subscription.
      const card = await stripe.paymentMethods.create({
        type: 'card',
        card: { token: 'pm_card_mastercard' },
      });
      const confirmed = await stripe.paymentIntents.confirm(intent.id, { payment_method: card.id });
      expect(confirmed.status).toBe('succeeded');
      expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({
        status: 'paid',
        amount_paid: 2900,
      });
      expect(await stripe.subscriptions.retrieve(subscription.id)).toMatchObject({
        status: 'active',
        default_payment_method: card.id,
      });
      expect((await stripe.paymentMethods.retrieve(card.id)).customer).toBe(customer.id);
    });

    it('expires after 23 hours unconfirmed, and is refused with a trial', async () => {
      const clock = await stripe.testHelpers.testClocks.create({ frozen_time: START });
      const customer = await stripe.customers.create({
        email: 'abandons@example.com',
        test_clock: clock.id,
      });
      const subscription = await stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: 'price_pro_monthly' }],
        payment_behavior: 'default_incomplete',
      });
      await advance(clock.id, START + 23 * HOUR + 60);
      expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe(
        'incomplete_expired',
      );
      expect((await latestInvoice(subscription.id)).status).toBe('void');
      await expect(
        stripe.subscriptions.create({
          customer: customer.id,
          items: [{ price: 'price_pro_monthly' }],
          payment_behavior: 'default_incomplete',
          trial_period_days: 7,
        }),
      ).rejects.toMatchObject({ param: 'payment_behavior' });
    });
  });

  describe('payment_behavior=pending_if_incomplete', () => {
    it('applies an upgrade only once its invoice is paid', async () => {
      const { clock, method, subscription } = await subscribed();
      await advance(clock, START + 10 * DAY);
      await harness.control(`payment_methods/${method}/fail`, {});
      const item = subscription.items.data[0];
      const updated = await stripe.subscriptions.update(subscription.id, {
        items: [{ id: item.id, price: 'price_pro_monthly' }],
        proration_behavior: 'always_invoice',
        payment_behavior: 'pending_if_incomplete',
      });
      expect(updated.items.data[0].price.id).toBe('price_starter_monthly');
      expect(updated.status).toBe('active');
      expect(updated.pending_update).toMatchObject({
        expires_at: START + 10 * DAY + 23 * HOUR,
        subscription_items: [
          expect.objectContaining({
            id: item.id,
            price: expect.objectContaining({ id: 'price_pro_monthly' }),
          }),
        ],
      });
      const invoice = await latestInvoice(subscription.id);
      expect(invoice).toMatchObject({
        status: 'open',
        billing_reason: 'subscription_update',
        next_payment_attempt: null,
      });

      // The customer fixes the card and pays: the upgrade applies.
      const good = await stripe.paymentMethods.attach('pm_card_visa', {
        customer: subscription.customer as string,
      });
      const marker = await latestEventId(stripe);
      await stripe.invoices.pay(invoice.id, { payment_method: good.id });
      const types = await eventTypesAfter(stripe, marker);
      expect(types.slice(-2)).toEqual([
        'customer.subscription.updated',
        'customer.subscription.pending_update_applied',
      ]);
      const applied = await stripe.subscriptions.retrieve(subscription.id);
      expect(applied).toMatchObject({ pending_update: null });
      expect(applied.items.data[0].price.id).toBe('price_pro_monthly');
    });

    it('drops the update after 23 hours and voids its invoice; refuses other parameters', async () => {
      const { clock, method, subscription } = await subscribed();
      await harness.control(`payment_methods/${method}/fail`, {});
      const item = subscription.items.data[0];
      await expect(
        stripe.subscriptions.update(subscription.id, {
          items: [{ id: item.id, price: 'price_pro_monthly' }],
          payment_behavior: 'pending_if_incomplete',
          metadata: { plan: 'pro' },
        }),
      ).rejects.toMatchObject({ param: 'metadata' });
      await stripe.subscriptions.update(subscription.id, {
        items: [{ id: item.id, price: 'price_pro_yearly' }],
        payment_behavior: 'pending_if_incomplete',
      });
      const invoiceId = (await stripe.subscriptions.retrieve(subscription.id))
        .latest_invoice as string;
      const marker = await latestEventId(stripe);
      await advance(clock, START + 23 * HOUR + 60);
      expect(
        (await eventTypesAfter(stripe, marker)).filter((type) => !type.startsWith('test_helpers.')),
      ).toEqual([
        'invoice.voided',
        'customer.subscription.updated',
        'customer.subscription.pending_update_expired',
      ]);
      const after = await stripe.subscriptions.retrieve(subscription.id);
      expect(after).toMatchObject({ pending_update: null, status: 'active' });
      expect(after.items.data[0].price.id).toBe('price_starter_monthly');
      expect((await stripe.invoices.retrieve(invoiceId)).status).toBe('void');
    });

    it('applies a change that bills nothing at once straight away', async () => {
      const { subscription } = await subscribed();
      const item = subscription.items.data[0];
      const updated = await stripe.subscriptions.update(subscription.id, {
        items: [{ id: item.id, quantity: 2 }],
        proration_behavior: 'create_prorations',
        payment_behavior: 'pending_if_incomplete',
      });
      expect(updated).toMatchObject({ pending_update: null });
      expect(updated.items.data[0].quantity).toBe(2);
    });
  });
});
