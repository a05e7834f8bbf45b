import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freePort } from '../../test/support/free-port';
import { control, emulatorStripe, flushWebhooks } from '../../test/support/emulator-control';
import { startTestService, type TestService } from '../../test/support/test-service';
import {
  accessibilityViolations,
  accessibleDescription,
  browserAvailable,
  buildDemo,
  CHROMIUM,
  ConsoleWatch,
  eventually,
  launchChromium,
  screenshot,
  SCREENSHOT_DIR,
  unnamedControls,
  visible,
} from './support/demo-browser';

if (!browserAvailable) {
  process.stderr.write(`Skipping the demo's browser tests: no Chromium at ${CHROMIUM}.\n`);
}

/**
 * The demo frontend, served by the sandbox service as `npm run dev` serves it, driven in
 * Chromium by clicking only: every page is screenshotted (test-results/screenshots/), checked
 * for console errors and for accessibility (axe-core, and a name on every form control).
 */
(browserAvailable ? describe : describe.skip)('the demo frontend in a real browser', () => {
  let t: TestService;
  let browser: Browser;
  let demoDir: string;
  let origin: string;

  beforeAll(async () => {
    for (const file of await readdir(SCREENSHOT_DIR).catch(() => [] as string[])) {
      if (file.includes('-demo-')) await rm(join(SCREENSHOT_DIR, file));
    }
    demoDir = await buildDemo();
    // The demo's origin is where checkout and the portal return: the service's own address.
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    t = await startTestService({ PORT: String(port), FRONTEND_URL: origin }, { demoDir });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await rm(demoDir, { recursive: true, force: true });
  });

  /** A page of its own (fresh storage), watched for console errors. */
  async function openPage(): Promise<{ page: Page; console: ConsoleWatch }> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    return { page, console: new ConsoleWatch(page) };
  }

  /** Screenshot, accessibility and named controls: every page the flow reaches. */
  async function look(page: Page, name: string): Promise<void> {
    await screenshot(page, `demo-${name}`);
    expect({ page: name, unnamed: await unnamedControls(page) }).toEqual({
      page: name,
      unnamed: [],
    });
    expect({ page: name, violations: await accessibilityViolations(page) }).toEqual({
      page: name,
      violations: [],
    });
  }

  async function signIn(
    page: Page,
    who: { userId: string; organisation?: string; role?: string },
  ): Promise<void> {
    await page.goto(`${origin}/`);
    await page.getByRole('heading', { name: 'Sign in to the sandbox' }).waitFor();
    if (who.organisation !== undefined) {
      await page.getByLabel('A member of an organisation').check();
      await page
        .getByLabel('Organisation', { exact: true })
        .selectOption({ label: who.organisation });
      await page.getByLabel('Role', { exact: true }).selectOption(who.role ?? 'member');
    }
    await page.getByLabel('Person', { exact: true }).selectOption('new');
    await page.getByLabel('User id', { exact: true }).fill(who.userId);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Pricing' }).waitFor();
    await page.getByRole('heading', { name: 'Plans' }).waitFor();
  }

  /** On the emulator's hosted checkout page (Stripe's, in stripe mode). */
  async function payOnHostedPage(page: Page, card: string, screenshotName?: string): Promise<void> {
    await page.getByLabel('Card number', { exact: true }).waitFor();
    if (screenshotName) await look(page, screenshotName);
    await page.getByLabel('Card number', { exact: true }).fill(card);
    await page.getByLabel('Expiry (MM / YY)', { exact: true }).fill('12 / 34');
    await page.getByLabel('CVC', { exact: true }).fill('123');
    await page.getByRole('button', { name: /^(Subscribe|Pay)$/ }).click();
  }

  const card = (page: Page, name: string) =>
    page.getByRole('listitem').filter({ has: page.getByRole('heading', { name, exact: true }) });

  it('signs in, subscribes to Pro yearly with a trial, manages the plan, opens the portal, buys credits twice', async () => {
    const { page, console } = await openPage();
    const userId = `user_flow_${Date.now().toString(36)}`;

    await page.goto(`${origin}/`);
    await page.getByRole('heading', { name: 'Sign in to the sandbox' }).waitFor();
    await look(page, 'sign-in');
    await signIn(page, { userId });
    await look(page, 'pricing-monthly');

    // Pro, yearly: $290 a year, with the trial a first subscription gets.
    await page.getByLabel('Yearly', { exact: true }).check();
    const pro = card(page, 'Pro');
    await visible(pro.getByText('$290 / year'));
    await visible(pro.getByText('7-day free trial'));
    await look(page, 'pricing-yearly');
    await pro.getByRole('button', { name: 'Start free trial' }).click();

    await page.waitForURL((url) => url.pathname.startsWith('/checkout/'));
    await payOnHostedPage(page, '4242 4242 4242 4242', 'hosted-checkout');

    // The return page polls until the session is complete and the plan shows.
    await page.waitForURL((url) => url.origin === origin && url.pathname === '/billing/success');
    await page.getByRole('heading', { name: 'Thank you!' }).waitFor({ timeout: 30_000 });
    await visible(page.getByRole('status').filter({ hasText: 'You are on Pro' }));
    await visible(page.getByText('Trial', { exact: true }));
    const features = page.getByRole('list', { name: 'Your features' });
    await eventually(async () =>
      expect(await features.getByRole('listitem').allTextContents()).toEqual([
        'chat',
        'export',
        'rag',
      ]),
    );
    await look(page, 'checkout-return');

    await page.getByRole('link', { name: 'Go to your account' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    await eventually(async () =>
      expect(await page.locator('#plan-name').textContent()).toContain('Pro — $290 / year'),
    );
    await eventually(async () =>
      expect(
        await page.getByRole('list', { name: 'Your features' }).getByRole('listitem').count(),
      ).toBe(3),
    );
    await look(page, 'account-trialing');

    // Billing details: written to Stripe, mirrored, shown again after a reload.
    const details = page.getByRole('region', { name: 'Billing details' });
    await details.getByLabel('Name or company', { exact: true }).fill('Beispiel GmbH');
    await details.getByLabel('City', { exact: true }).fill('Berlin');
    await details.getByLabel('Postal code', { exact: true }).fill('10117');
    await details.getByLabel('Country (two letters)', { exact: true }).fill('DE');
    await details.getByLabel('Tax ID', { exact: true }).fill('DE123456789');
    await details.getByRole('button', { name: 'Save billing details' }).click();
    await visible(details.getByRole('status').filter({ hasText: 'Billing details saved' }));
    await page.reload();
    await eventually(async () =>
      expect(
        await page
          .getByRole('region', { name: 'Billing details' })
          .getByLabel('Tax ID', { exact: true })
          .inputValue(),
      ).toBe('DE123456789'),
    );
    await look(page, 'account-billing-details');

    // Cancel at period end, then resume.
    await page.getByRole('button', { name: 'Cancel at period end' }).click();
    await visible(page.getByText('Cancels at period end'));
    await look(page, 'account-canceling');
    await page.getByRole('button', { name: 'Resume plan' }).click();
    await visible(page.getByRole('status').filter({ hasText: 'renew as usual' }));
    await visible(page.getByRole('button', { name: 'Cancel at period end' }));

    // Change plan: Pro monthly.
    await page
      .getByLabel('Change plan to', { exact: true })
      .selectOption({ label: 'Pro — $29 / month' });
    await page.getByRole('button', { name: 'Change plan' }).click();
    await eventually(async () =>
      expect(await page.locator('#plan-name').textContent()).toContain('Pro — $29 / month'),
    );

    // The portal, and back.
    await page.getByRole('button', { name: 'Manage billing in the portal' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/portal/'));
    await page.getByRole('heading', { name: 'Billing' }).waitFor();
    await look(page, 'portal');
    await page.getByRole('link', { name: 'Return to the site' }).click();
    await page.waitForURL(`${origin}/billing/from-portal`);
    await visible(page.getByText('Back from the billing portal'));
    await eventually(async () =>
      expect(await page.locator('#plan-name').textContent()).toContain('Pro — $29 / month'),
    );

    // Credits, twice, each through the hosted page.
    for (const round of [1, 2]) {
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Pricing' })
        .click();
      await card(page, '1,000 credits').getByRole('button', { name: 'Buy 1,000 credits' }).click();
      await page.waitForURL((url) => url.pathname.startsWith('/checkout/'));
      await payOnHostedPage(page, '4242 4242 4242 4242');
      await page
        .getByRole('status')
        .filter({ hasText: 'Your purchase is complete' })
        .waitFor({ timeout: 30_000 });
      if (round === 1) await look(page, 'checkout-return-credits');
      await page.getByRole('link', { name: 'Go to your account' }).click();
      await page.getByRole('heading', { name: 'Your account' }).waitFor();
    }

    const history = page.getByRole('region', { name: 'Billing history' });
    await eventually(async () =>
      expect(await history.getByRole('row').filter({ hasText: '1,000 credits' }).count()).toBe(2),
    );
    const purchases = page.getByRole('region', { name: 'Purchases' });
    await eventually(async () =>
      expect(await purchases.getByRole('row').filter({ hasText: '1,000 credits' }).count()).toBe(2),
    );
    await visible(history.getByRole('link', { name: /^Invoice for/ }).first());
    // Every purchase has its receipt: a PDF link on each credits row, served by Stripe.
    await eventually(async () =>
      expect(
        await history
          .getByRole('row')
          .filter({ hasText: '1,000 credits' })
          .getByRole('link', { name: /^Receipt PDF for/ })
          .count(),
      ).toBe(2),
    );
    const receipt = await history
      .getByRole('link', { name: /^Receipt PDF for 1,000 credits/ })
      .first()
      .getAttribute('href');
    const pdf = await fetch(receipt ?? '');
    expect(pdf.headers.get('content-type')).toContain('application/pdf');
    await look(page, 'account-history');

    // Filters: no failed payments; a day range before today shows none either.
    await history.getByLabel('Status', { exact: true }).selectOption('FAILED');
    await visible(history.getByText('No payments match these filters.'));
    await history.getByLabel('Status', { exact: true }).selectOption('');
    await history.getByLabel('To', { exact: true }).fill('2001-01-01');
    await visible(history.getByText('No payments match these filters.'));
    await history.getByLabel('To', { exact: true }).fill('');
    // Paging: two rows a page, older pages and back.
    await history.getByLabel('Rows per page', { exact: true }).selectOption('2');
    await eventually(async () => expect(await history.getByRole('row').count()).toBe(3));
    await history.getByRole('button', { name: 'Older' }).click();
    await visible(history.getByText('Page 2'));
    await history.getByRole('button', { name: 'Newer' }).click();
    await visible(history.getByText('Page 1'));
    await eventually(async () =>
      expect(await history.getByRole('row').filter({ hasText: '1,000 credits' }).count()).toBe(2),
    );

    expect(console.all).toEqual([]);
  }, 240_000);

  it('adds a card through Stripe, makes it the default, removes the old one, and keeps the last', async () => {
    const { page, console } = await openPage();
    await signIn(page, { userId: `user_cards_${Date.now().toString(36)}` });
    await card(page, 'Pro').getByRole('button', { name: 'Start free trial' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/checkout/'));
    await payOnHostedPage(page, '4242 4242 4242 4242');
    await page.getByRole('heading', { name: 'Thank you!' }).waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: 'Go to your account' }).click();

    const cards = page.getByRole('region', { name: 'Cards' });
    await visible(cards.getByText('visa ending 4242'));
    await cards.getByRole('button', { name: 'Add a card' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/checkout/'));
    await visible(page.getByText('nothing is charged today'));
    await page.getByLabel('Card number', { exact: true }).fill('5555 5555 5555 4444');
    await page.getByLabel('Expiry (MM / YY)', { exact: true }).fill('12 / 34');
    await page.getByLabel('CVC', { exact: true }).fill('123');
    await page.getByRole('button', { name: 'Save card' }).click();
    await page.waitForURL((url) => url.origin === origin && url.pathname === '/billing');
    // The card arrives with Stripe's webhook (a delivery that failed is retried at once): reload
    // until it is there.
    await eventually(async () => {
      await flushWebhooks(t.service);
      await page.reload();
      // The list is loaded once the first card shows; only then is a missing one missing.
      await visible(cards.getByText('visa ending 4242'));
      expect(await cards.getByText('mastercard ending 4444').count()).toBe(1);
    });
    await look(page, 'account-cards');

    const mastercard = cards.getByRole('row').filter({ hasText: 'mastercard ending 4444' });
    await mastercard.getByRole('button', { name: 'Make default' }).click();
    await visible(cards.getByRole('status').filter({ hasText: 'card ending 4444' }));
    await visible(mastercard.getByText('default', { exact: true }));
    await cards
      .getByRole('row')
      .filter({ hasText: 'visa ending 4242' })
      .getByRole('button', { name: 'Remove' })
      .click();
    await eventually(async () => expect(await cards.getByText('visa ending 4242').count()).toBe(0));
    // The subscription's only card stays, and the page says why.
    console.expectFailure();
    await mastercard.getByRole('button', { name: 'Remove' }).click();
    await visible(cards.getByText(/only card of a subscription/));
    await visible(cards.getByText('mastercard ending 4444'));
    await look(page, 'account-cards-last');
    expect(console.all).toEqual([]);
  }, 180_000);

  it("shows the declined card's error on the checkout page, and nothing is bought", async () => {
    const { page, console } = await openPage();
    await signIn(page, { userId: `user_declined_${Date.now().toString(36)}` });
    await card(page, 'Starter').getByRole('button', { name: 'Start free trial' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/checkout/'));
    // The page answers the refused payment 402, as a browser console notes.
    console.expectFailure();
    await payOnHostedPage(page, '4000 0000 0000 9995');
    await eventually(async () =>
      expect(await page.getByRole('alert').textContent()).toMatch(/insufficient funds/i),
    );
    await look(page, 'hosted-checkout-declined');

    await page.getByRole('link', { name: 'Cancel and go back' }).click();
    await page.getByRole('heading', { name: 'Checkout canceled' }).waitFor();
    await look(page, 'checkout-canceled');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Account' })
      .click();
    await visible(page.getByText('You have no plan yet.'));
    await visible(page.getByText('No payments yet.'));
    await look(page, 'account-empty');
    expect(console.all).toEqual([]);
  }, 120_000);

  it('pays on the page itself with embedded checkout (Stripe.js from the emulator)', async () => {
    const { page, console } = await openPage();
    await signIn(page, { userId: `user_embedded_${Date.now().toString(36)}` });
    await page.getByLabel('On this page', { exact: true }).check();
    await card(page, 'Pro').getByRole('button', { name: 'Start free trial' }).click();

    const frame = page.frameLocator('iframe[title="Secure checkout"]');
    await frame.getByLabel('Card number', { exact: true }).waitFor();
    await look(page, 'embedded-checkout');
    await frame.getByLabel('Card number', { exact: true }).fill('4242 4242 4242 4242');
    await frame.getByLabel('Expiry (MM / YY)', { exact: true }).fill('12 / 34');
    await frame.getByLabel('CVC', { exact: true }).fill('123');
    await frame.getByRole('button', { name: 'Subscribe' }).click();

    await page.waitForURL((url) => url.pathname === '/billing/success');
    await page.getByRole('heading', { name: 'Thank you!' }).waitFor({ timeout: 30_000 });
    await visible(page.getByRole('status').filter({ hasText: 'You are on Pro' }));
    await look(page, 'embedded-return');
    expect(console.all).toEqual([]);
  }, 120_000);

  it('shows an organisation member without the billing role every action disabled, with the reason', async () => {
    const { page, console } = await openPage();
    await signIn(page, {
      userId: `user_member_${Date.now().toString(36)}`,
      organisation: 'Globex',
      role: 'member',
    });
    await visible(page.getByText('View only'));
    const buy = card(page, 'Pro').getByRole('button', { name: 'Start free trial' });
    await eventually(async () => expect(await buy.getAttribute('aria-disabled')).toBe('true'));
    expect(await accessibleDescription(buy)).toMatch(
      /Only an organisation owner or admin can change billing/,
    );
    const credits = card(page, '1,000 credits').getByRole('button', { name: 'Buy 1,000 credits' });
    await eventually(async () => expect(await credits.getAttribute('aria-disabled')).toBe('true'));
    await look(page, 'pricing-member');
    // Clicking does nothing: no checkout starts.
    await buy.click({ force: true });
    expect(new URL(page.url()).pathname).toBe('/pricing');

    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Account' })
      .click();
    const portal = page.getByRole('button', { name: 'Manage billing in the portal' });
    await eventually(async () => expect(await portal.getAttribute('aria-disabled')).toBe('true'));
    expect(await accessibleDescription(portal)).toMatch(/your role is member/);
    await look(page, 'account-member');
    expect(console.all).toEqual([]);
  }, 120_000);

  it('explains a refused promotion code next to its field', async () => {
    const { page, console } = await openPage();
    await signIn(page, { userId: `user_promo_${Date.now().toString(36)}` });
    await page.getByLabel('Promotion code', { exact: true }).fill('NOT-A-CODE');
    console.expectFailure();
    await card(page, 'Pro').getByRole('button', { name: 'Start free trial' }).click();
    const field = page.getByLabel('Promotion code', { exact: true });
    await eventually(async () => expect(await field.getAttribute('aria-invalid')).toBe('true'));
    expect(await accessibleDescription(field)).toBe('This promotion code is not valid.');
    expect(new URL(page.url()).pathname).toBe('/pricing');
    await look(page, 'pricing-promotion-refused');
    expect(console.all).toEqual([]);
  }, 120_000);

  it('starts a trial without a card, asks for one on the account page, and takes it in the portal', async () => {
    // Starter's price starts its trials without a card (the price's metadata; the service's
    // TRIAL_WITHOUT_CARD stays off).
    await emulatorStripe(t.service).prices.update('price_starter_monthly', {
      metadata: { trial_without_card: 'pause' },
    });
    await flushWebhooks(t.service);
    const { page, console } = await openPage();
    await signIn(page, { userId: `user_cardless_${Date.now().toString(36)}` });
    await card(page, 'Starter').getByRole('button', { name: 'Start free trial' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/checkout/'));
    await visible(page.getByText('No card is needed today.'));
    expect(await page.getByLabel('Card number', { exact: true }).count()).toBe(0);
    await look(page, 'hosted-checkout-no-card');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByRole('heading', { name: 'Thank you!' }).waitFor({ timeout: 30_000 });

    await page.getByRole('link', { name: 'Go to your account' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    const notice = page.locator('#card-needed');
    await visible(notice.getByText('Add a card to continue after your trial'));
    await look(page, 'account-card-needed');

    // The trial ends with no card: the plan pauses and its features go.
    await control(t.service, '/clock/advance', { seconds: 8 * 86_400 });
    await flushWebhooks(t.service);
    await page.reload();
    await visible(notice.getByText('Your plan is paused: add a card to continue.'));
    await visible(page.getByText('No features yet: they come with a plan.'));
    await visible(page.getByText('Paused since'));
    await look(page, 'account-paused');

    await notice.getByRole('button', { name: 'Add a card' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/portal/'));
    await page.getByLabel('New card number', { exact: true }).fill('4242424242424242');
    // The portal's card flow returns to the site once the card is saved.
    await page.getByRole('button', { name: 'Update card' }).click();
    await page.waitForURL(`${origin}/billing/from-portal`);
    await eventually(async () => expect(await page.locator('#card-needed').count()).toBe(0));
    await page.getByRole('button', { name: 'Resume plan' }).click();
    await visible(page.getByRole('status').filter({ hasText: 'Your plan is active again.' }));
    await eventually(async () =>
      expect(
        await page.getByRole('list', { name: 'Your features' }).getByRole('listitem').count(),
      ).toBe(1),
    );
    expect(console.all).toEqual([]);
  }, 120_000);
});
