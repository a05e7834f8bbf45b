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
import { setupIntentEndpoints } from './setup-intent-routes';
import { subscriptionItemEndpoints } from './subscription-item-routes';
import { subscriptionEndpoints } from './subscription-routes';
import { taxRateEndpoints } from './tax-rate-routes';
import { testClockEndpoints } from './test-clock-routes';
import { webhookEndpointEndpoints } from './webhook-endpoint-routes';

export interface ApiResource {
  /** The resource's name in the README's endpoint list. */
  name: string;
  endpoints: (domain: StripeDomain) => Endpoint[];
}

/** Every resource's route file, in the order the README lists them. Adding a resource is one line here. */
export const API_RESOURCES: readonly ApiResource[] = [
  { name: 'Customers', endpoints: customerEndpoints },
  { name: 'Payment methods', endpoints: paymentMethodEndpoints },
  { name: 'Products', endpoints: productEndpoints },
  { name: 'Prices', endpoints: priceEndpoints },
  { name: 'Coupons', endpoints: couponEndpoints },
  { name: 'Promotion codes', endpoints: promotionCodeEndpoints },
  { name: 'Tax rates', endpoints: taxRateEndpoints },
  { name: 'Checkout sessions', endpoints: checkoutSessionEndpoints },
  { name: 'Setup intents', endpoints: setupIntentEndpoints },
  { name: 'Billing portal sessions', endpoints: billingPortalEndpoints },
  { name: 'Subscriptions', endpoints: subscriptionEndpoints },
  { name: 'Subscription items', endpoints: subscriptionItemEndpoints },
  { name: 'Invoices', endpoints: invoiceEndpoints },
  { name: 'Invoice items and invoice payments', endpoints: invoiceItemEndpoints },
  { name: 'Payment intents', endpoints: paymentIntentEndpoints },
  { name: 'Charges', endpoints: chargeEndpoints },
  { name: 'Refunds', endpoints: refundEndpoints },
  { name: 'Events', endpoints: eventEndpoints },
  { name: 'Webhook endpoints', endpoints: webhookEndpointEndpoints },
  { name: 'Test clocks', endpoints: testClockEndpoints },
];

/** Every endpoint the emulated API serves, with its declared parameters. */
export function apiEndpoints(domain: StripeDomain): Endpoint[] {
  return API_RESOURCES.flatMap((resource) => resource.endpoints(domain));
}

export function registerApiRoutes(router: ApiRouter, domain: StripeDomain): void {
  registerEndpoints(router, apiEndpoints(domain));
}
