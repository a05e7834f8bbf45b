import type { StripeDomain } from '../billing/stripe-domain';
import { registerEndpoints, type ApiRouter, type Endpoint } from './api-call';
import { billingPortalEndpoints } from './billing-portal-routes';
import { chargeEndpoints } from './charge-routes';
import { checkoutSessionEndpoints } from './checkout-session-routes';
import { couponEndpoints } from './coupon-routes';
import { customerEndpoints } from './customer-routes';
import { eventEndpoints } from './event-routes';
import { invoiceItemEndpoints } from './invoice-item-routes';
import { invoiceEndpoints } from './invoice-routes';
import { paymentIntentEndpoints } from './payment-intent-routes';
import { paymentMethodEndpoints } from './payment-method-routes';
import { priceEndpoints } from './price-routes';
import { productEndpoints } from './product-routes';
import { promotionCodeEndpoints } from './promotion-code-routes';
import { refundEndpoints } from './refund-routes';
import { subscriptionItemEndpoints } from './subscription-item-routes';
import { subscriptionEndpoints } from './subscription-routes';
import { taxRateEndpoints } from './tax-rate-routes';
import { testClockEndpoints } from './test-clock-routes';
import { webhookEndpointEndpoints } from './webhook-endpoint-routes';

/** Every resource's route file, in the order the README lists them. Adding a resource is one line here. */
const RESOURCES: readonly ((domain: StripeDomain) => Endpoint[])[] = [
  customerEndpoints,
  paymentMethodEndpoints,
  productEndpoints,
  priceEndpoints,
  couponEndpoints,
  promotionCodeEndpoints,
  taxRateEndpoints,
  checkoutSessionEndpoints,
  billingPortalEndpoints,
  subscriptionEndpoints,
  subscriptionItemEndpoints,
  invoiceEndpoints,
  invoiceItemEndpoints,
  paymentIntentEndpoints,
  chargeEndpoints,
  refundEndpoints,
  eventEndpoints,
  webhookEndpointEndpoints,
  testClockEndpoints,
];

/** Every endpoint the emulated API serves, with its declared parameters. */
export function apiEndpoints(domain: StripeDomain): Endpoint[] {
  return RESOURCES.flatMap((resource) => resource(domain));
}

export function registerApiRoutes(router: ApiRouter, domain: StripeDomain): void {
  registerEndpoints(router, apiEndpoints(domain));
}
