import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type Stripe from 'stripe';
import { SANDBOX_CATALOG, WebhookReceiver, startHarness, type Harness } from './support/harness';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Debian's Chromium (`apt-get install chromium`); CI installs it and sets REQUIRE_BROWSER=true so
 * these tests can never be skipped there. A machine without it skips them with a notice.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const browserAvailable = existsSync(CHROMIUM);
if (!browserAvailable && process.env.REQUIRE_BROWSER === 'true') {
  throw new Error(`REQUIRE_BROWSER is set but there is no Chromium at ${CHROMIUM}`);
}
if (!browserAvailable) {
  process.stderr.write(
    `Skipping the browser tests of the emulator's pages: no Chromium at ${CHROMIUM}.\n`,
  );
}

(browserAvailable ? describe : describe.skip)('hosted pages in a real browser', () => {
  let browser: Browser;
  let harness: Harness;
  let stripe: Stripe;
  let site: WebhookReceiver;
  let page: Page;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(() => browser.close());

  beforeEach(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
    site = await new WebhookReceiver().start();
    page = await browser.newPage();
  });
  afterEach(async () => {
    await page.close();
    await harness.close();
    await site.close();
  });

  async function subscriptionCheckout(
    extra: Partial<Stripe.Checkout.SessionCreateParams> = {},
  ): Promise<Stripe.Checkout.Session> {
    return stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
      success_url: `${site.url}/billing/success?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${site.url}/pricing`,
      ...extra,
    });
  }

  async function fillCard(number: string): Promise<void> {
    await page.getByLabel('Email').fill('buyer@example.com');
    await page.getByLabel('Card number').fill(number);
    await page.getByLabel('Expiry (MM / YY)').fill('12 / 34');
    await page.getByLabel('CVC').fill('123');
  }

  it('pays with 4242 on the hosted checkout page and lands on the success URL', async () => {
    const session = await subscriptionCheckout({
      subscription_data: { trial_period_days: 7 },
      allow_promotion_codes: true,
    });
    await page.goto(session.url as string);
    const text = await page.locator('body').innerText();
    expect(text).toContain('Pro');
    expect(text).toContain('$29.00');
    expect(text).toContain('7-day free trial');
    expect(await page.getByLabel('Promotion code').count()).toBe(1);
    await fillCard('4242 4242 4242 4242');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForURL(`${site.url}/billing/success?session_id=${session.id}`);
    expect(await page.locator('#landed').innerText()).toContain(session.id);
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] });
    expect(done.status).toBe('complete');
    expect((done.subscription as Stripe.Subscription).status).toBe('trialing');
    expect(done.customer_details?.email).toBe('buyer@example.com');
  });

  it('shows the decline for 4000 0000 0000 9995 and completes nothing', async () => {
    const session = await subscriptionCheckout();
    await page.goto(session.url as string);
    await fillCard('4000000000009995');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain('insufficient funds');
    expect(page.url()).toBe(`${harness.emulator.url}/checkout/${session.id}`);
    const still = await stripe.checkout.sessions.retrieve(session.id);
    expect(still).toMatchObject({ status: 'open', subscription: null, customer: null });
    expect((await stripe.subscriptions.list({ status: 'all' })).data).toHaveLength(0);

    await page.getByRole('link', { name: 'Cancel and go back' }).click();
    await page.waitForURL(`${site.url}/pricing`);
  });

  it('applies a promotion code typed on the page', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: 'price_lifetime', quantity: 1 }],
      success_url: `${site.url}/done?session_id={CHECKOUT_SESSION_ID}`,
      allow_promotion_codes: true,
    });
    await page.goto(session.url as string);
    await fillCard('4242424242424242');
    await page.getByLabel('Promotion code').fill('WELCOME10');
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.waitForURL(`${site.url}/done?session_id=${session.id}`);
    const done = await stripe.checkout.sessions.retrieve(session.id, {
      expand: ['payment_intent'],
    });
    expect((done.payment_intent as Stripe.PaymentIntent).amount).toBe(44910);
  });

  it('tells the customer when a session is complete or expired', async () => {
    const session = await subscriptionCheckout();
    await harness.control(`checkout/sessions/${session.id}/complete`, { card: '4242424242424242' });
    await page.goto(session.url as string);
    expect(await page.getByRole('heading').first().innerText()).toBe('This checkout is complete');
    const other = await subscriptionCheckout();
    await stripe.checkout.sessions.expire(other.id);
    await page.goto(other.url ?? `${harness.emulator.url}/checkout/${other.id}`);
    expect(await page.getByRole('heading').first().innerText()).toBe('This checkout has expired');
  });

  it('cancels at period end in the portal, undoes it, switches plan, updates the card and returns', async () => {
    const session = await subscriptionCheckout();
    await harness.control(`checkout/sessions/${session.id}/complete`, { card: '4242424242424242' });
    const paid = await stripe.checkout.sessions.retrieve(session.id);
    const subscriptionId = paid.subscription as string;
    const portal = await stripe.billingPortal.sessions.create({
      customer: paid.customer as string,
      return_url: `${site.url}/account`,
    });
    await page.goto(portal.url);
    expect(await page.locator('#plan').innerText()).toContain('Pro');
    expect(await page.getByRole('table').innerText()).toContain('paid');

    await page.getByRole('button', { name: 'Cancel plan' }).click();
    await page.locator('#cancel-note').waitFor();
    expect((await stripe.subscriptions.retrieve(subscriptionId)).cancel_at_period_end).toBe(true);

    await page.getByRole('button', { name: "Don't cancel" }).click();
    await page.getByRole('button', { name: 'Cancel plan' }).waitFor();
    expect((await stripe.subscriptions.retrieve(subscriptionId)).cancel_at_period_end).toBe(false);

    await page.getByRole('button', { name: /Switch to Starter/ }).click();
    await page.getByRole('status').waitFor();
    expect((await stripe.subscriptions.retrieve(subscriptionId)).items.data[0].price.id).toBe(
      'price_starter_monthly',
    );

    await page.getByLabel('New card number').fill('5555555555554444');
    await page.getByRole('button', { name: 'Update card' }).click();
    await page.getByRole('status').waitFor();
    expect(await page.locator('body').innerText()).toContain('mastercard ending in 4444');

    await page.getByRole('link', { name: 'Return to the site' }).click();
    await page.waitForURL(`${site.url}/account`);
  });

  it('honours a subscription_cancel deep link', async () => {
    const session = await subscriptionCheckout();
    await harness.control(`checkout/sessions/${session.id}/complete`, { card: '4242424242424242' });
    const done = await stripe.checkout.sessions.retrieve(session.id);
    const portal = await stripe.billingPortal.sessions.create({
      customer: done.customer as string,
      return_url: `${site.url}/account`,
      flow_data: {
        type: 'subscription_cancel',
        subscription_cancel: { subscription: done.subscription as string },
        after_completion: {
          type: 'redirect',
          redirect: { return_url: `${site.url}/account?canceled=1` },
        },
      },
    });
    await page.goto(portal.url);
    expect(await page.getByLabel('New card number').count()).toBe(0);
    await page.getByRole('button', { name: 'Cancel plan' }).click();
    await page.waitForURL(`${site.url}/account?canceled=1`);
    expect(
      (await stripe.subscriptions.retrieve(done.subscription as string)).cancel_at_period_end,
    ).toBe(true);
  });
});
