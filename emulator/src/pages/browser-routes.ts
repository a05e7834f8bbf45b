import type { StripeDomain } from '../billing/stripe-domain';
import type { PageHandler } from '../http/emulator-server';
import type { Router } from '../http/router';
import { EmbeddedCheckoutPage } from './embedded-checkout-page';
import { stripeJsScript } from './stripe-js';

/**
 * What a browser asks the emulator for beyond its pages: Stripe.js's offline stand-in, the
 * embedded checkout frame it mounts, and a favicon (so pages load without a failed request).
 */
export function registerBrowserRoutes(router: Router<PageHandler>, domain: StripeDomain): void {
  const embedded = new EmbeddedCheckoutPage(domain);
  router.add('GET', '/v3', () => stripeJsScript());
  router.add('GET', '/embedded-checkout/:secret', (request) => embedded.show(request));
  router.add('POST', '/embedded-checkout/:secret', (request) => embedded.submit(request));
  router.add('GET', '/favicon.ico', () => ({
    status: 200,
    contentType: 'image/svg+xml',
    body: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#635bff"/></svg>',
  }));
}
