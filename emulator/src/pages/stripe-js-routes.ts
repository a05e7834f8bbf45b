import type { StripeDomain } from '../billing/stripe-domain';
import type { PageHandler } from '../http/emulator-server';
import type { Router } from '../http/router';
import { EmbeddedCheckoutPage } from './embedded-checkout-page';
import { stripeJsScript } from './stripe-js';

/** Stripe.js's offline stand-in and the embedded checkout frame it mounts. */
export function registerStripeJs(router: Router<PageHandler>, domain: StripeDomain): void {
  const embedded = new EmbeddedCheckoutPage(domain);
  router.add('GET', '/v3', () => stripeJsScript());
  router.add('GET', '/embedded-checkout/:secret', (request) => embedded.show(request));
  router.add('POST', '/embedded-checkout/:secret', (request) => embedded.submit(request));
}
