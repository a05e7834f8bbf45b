import { SANDBOX_CATALOG, sdkFor, startHarness } from './support/harness';

describe('the public base URL', () => {
  it('is the base of page links when browsers reach the emulator elsewhere (a container, a proxy)', async () => {
    const harness = await startHarness({
      catalogFile: SANDBOX_CATALOG,
      publicUrl: 'https://stripe.example.test/',
    });
    try {
      expect(harness.emulator.publicUrl).toBe('https://stripe.example.test');
      expect(harness.emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const stripe = sdkFor(harness.emulator);
      const session = await stripe.checkout.sessions.create({
        mode: 'subscription',
        line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
        success_url: 'http://localhost/done',
      });
      expect(session.url).toBe(`https://stripe.example.test/checkout/${session.id}`);
      const customer = await stripe.customers.create({ email: 'portal@example.com' });
      const portal = await stripe.billingPortal.sessions.create({ customer: customer.id });
      expect(portal.url).toMatch(/^https:\/\/stripe\.example\.test\/portal\/bps_/);
      // The pages themselves are served on the listening address.
      expect((await fetch(`${harness.emulator.url}/checkout/${session.id}`)).status).toBe(200);
    } finally {
      await harness.close();
    }
  });
});
