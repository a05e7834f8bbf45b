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

/**
 * Trials that start without a card (Checkout `payment_method_collection=if_required`) and end
 * by `trial_settings.end_behavior.missing_payment_method`: pause or cancel, as Stripe does.
 */
describe('trials without a card', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeEach(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
  });
  afterEach(() => harness.close());

  /** Lifecycle events, without the renewal notice (`invoice.upcoming`) that is sent regardless. */
  async function lifecycleAfter(marker: string | undefined): Promise<string[]> {
    return (await eventTypesAfter(stripe, marker)).filter((type) => type !== 'invoice.upcoming');
  }

  async function advance(seconds: number): Promise<void> {
    expect((await harness.control('clock/advance', { seconds })).status).toBe(200);
  }

  /** A hosted Checkout session completed with no card: the subscription is trialing. */
  async function cardlessTrial(
    behavior: 'pause' | 'cancel',
    days = 7,
  ): Promise<Stripe.Subscription> {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
      success_url: 'https://a.b/',
      payment_method_collection: 'if_required',
      subscription_data: {
        trial_period_days: days,
        trial_settings: { end_behavior: { missing_payment_method: behavior } },
      },
    });
    // The hosted page asks for no card: nothing is due today.
    const page = await (await fetch(`${harness.emulator.url}/checkout/${session.id}`)).text();
    expect(page).toContain('No card is needed today');
    expect(page).not.toContain('id="card_number"');
    const done = await harness.control<Stripe.Checkout.Session>(
      `checkout/sessions/${session.id}/complete`,
      { card: null, email: `${behavior}@example.com` },
    );
    expect(done.status).toBe(200);
    const subscription = await stripe.subscriptions.retrieve(done.body.subscription as string);
    expect(subscription).toMatchObject({
      status: 'trialing',
      default_payment_method: null,
      trial_settings: { end_behavior: { missing_payment_method: behavior } },
    });
    return subscription;
  }

  it('pauses at the end of the trial: trial_will_end three days before, then updated and paused, no invoice', async () => {
    const subscription = await cardlessTrial('pause');
    const trialEnd = subscription.trial_end as number;
    const start = await latestEventId(stripe);
    await advance(4 * DAY - 60);
    expect(await lifecycleAfter(start)).toEqual([]);
    await advance(120);
    expect(await lifecycleAfter(start)).toEqual(['customer.subscription.trial_will_end']);
    const beforeEnd = await latestEventId(stripe);
    await advance(3 * DAY);
    const events = await eventsAfter(stripe, beforeEnd);
    expect(events.map((event) => event.type).filter((type) => type !== 'invoice.upcoming')).toEqual(
      ['customer.subscription.updated', 'customer.subscription.paused'],
    );
    const updated = events.find((event) => event.type === 'customer.subscription.updated')!
      .data as Stripe.Event.Data & { previous_attributes?: object };
    expect(updated.previous_attributes).toMatchObject({ status: 'trialing' });
    const paused = await stripe.subscriptions.retrieve(subscription.id);
    expect(paused).toMatchObject({
      status: 'paused',
      trial_end: trialEnd,
      status_details: {
        paused: {
          type: 'subscription',
          subscription: { type: 'trial_end_without_payment_method' },
          transitioned_at: trialEnd,
        },
      },
    });
    // A paused subscription generates no invoices, then or later.
    const customer = subscription.customer as string;
    const invoicesBefore = (await stripe.invoices.list({ customer })).data.length;
    await advance(40 * DAY);
    expect((await stripe.invoices.list({ customer })).data).toHaveLength(invoicesBefore);
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('paused');
  });

  it('the embedded page asks for no card either, and completes without one', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      ui_mode: 'embedded_page',
      return_url: 'https://a.b/return',
      line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
      payment_method_collection: 'if_required',
      subscription_data: {
        trial_period_days: 7,
        trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
      },
    });
    const url = `${harness.emulator.url}/embedded-checkout/${session.client_secret as string}`;
    const page = await (await fetch(url)).text();
    expect(page).toContain('No card is needed today');
    expect(page).not.toContain('id="card_number"');
    const paid = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'embedded@example.com' }).toString(),
    });
    expect(paid.status).toBe(200);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done).toMatchObject({ status: 'complete', payment_status: 'no_payment_required' });
    expect((await stripe.subscriptions.retrieve(done.subscription as string)).status).toBe(
      'trialing',
    );
  });

  it('cancels at the end of the trial with customer.subscription.deleted', async () => {
    const subscription = await cardlessTrial('cancel', 3);
    const start = await latestEventId(stripe);
    await advance(3 * DAY + 60);
    expect(
      (await eventTypesAfter(stripe, start)).filter(
        (type) => type !== 'customer.subscription.trial_will_end',
      ),
    ).toEqual(['customer.subscription.deleted']);
    const canceled = await stripe.subscriptions.retrieve(subscription.id);
    expect(canceled.status).toBe('canceled');
    expect(canceled.ended_at).toBe(subscription.trial_end);
  });

  it('a card added in the portal lets the paused subscription resume, billed at once', async () => {
    const subscription = await cardlessTrial('pause', 3);
    await advance(3 * DAY + 60);
    const customer = subscription.customer as string;
    const portal = await stripe.billingPortal.sessions.create({
      customer,
      return_url: 'https://a.b/account',
      flow_data: { type: 'payment_method_update' },
    });
    const form = await fetch(`${harness.emulator.url}/portal/${portal.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      redirect: 'manual',
      body: new URLSearchParams({ action: 'update_card', card_number: '4242424242424242' }),
    });
    expect(form.status).toBeLessThan(400);
    const withCard = await stripe.subscriptions.retrieve(subscription.id);
    expect(withCard.status).toBe('paused');
    expect(withCard.default_payment_method).not.toBeNull();
    // Resume takes only the parameters the emulator implements.
    await expect(
      stripe.subscriptions.resume(subscription.id, { billing_cycle_anchor: { type: 'unchanged' } }),
    ).rejects.toMatchObject({ statusCode: 400 });
    const marker = await latestEventId(stripe);
    const resumed = await stripe.subscriptions.resume(subscription.id);
    expect(resumed.status).toBe('active');
    expect(resumed.status_details).toBeUndefined();
    const types = await eventTypesAfter(stripe, marker);
    expect(types.slice(0, 2)).toEqual([
      'customer.subscription.resumed',
      'customer.subscription.updated',
    ]);
    expect(types).toContain('invoice.paid');
    const [invoice] = (await stripe.invoices.list({ subscription: subscription.id, limit: 1 }))
      .data;
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 2900 });
  });

  it('a later trial end moves the trial; trial_will_end again when the new end is within three days', async () => {
    const subscription = await cardlessTrial('pause', 2);
    const first = subscription.trial_end as number;
    // Created two days from its end: the notice went out at once.
    const now = first - 2 * DAY;
    const marker = await latestEventId(stripe);
    const soon = first + DAY;
    const extended = await stripe.subscriptions.update(subscription.id, {
      trial_end: soon,
      proration_behavior: 'none',
    });
    expect(extended).toMatchObject({ status: 'trialing', trial_end: soon });
    expect(extended.items.data[0].current_period_end).toBe(soon);
    expect(await eventTypesAfter(stripe, marker)).toEqual([
      'customer.subscription.updated',
      'customer.subscription.trial_will_end',
    ]);
    // Far enough away: the notice waits for three days before the new end.
    const far = now + 30 * DAY;
    const marker2 = await latestEventId(stripe);
    await stripe.subscriptions.update(subscription.id, {
      trial_end: far,
      proration_behavior: 'none',
    });
    expect(await lifecycleAfter(marker2)).toEqual(['customer.subscription.updated']);
    await advance(27 * DAY + 60);
    expect(await lifecycleAfter(marker2)).toEqual([
      'customer.subscription.updated',
      'customer.subscription.trial_will_end',
    ]);
    // A trial end in the past, or a trial added to a subscription that is not trialing, is refused.
    await expect(
      stripe.subscriptions.update(subscription.id, { trial_end: now - DAY }),
    ).rejects.toMatchObject({ param: 'trial_end' });
    await advance(3 * DAY);
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('paused');
    await expect(
      stripe.subscriptions.update(subscription.id, { trial_end: far + 60 * DAY }),
    ).rejects.toMatchObject({ param: 'trial_end' });
  });
});
