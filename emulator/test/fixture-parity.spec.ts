import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Stripe from 'stripe';
import { SANDBOX_CATALOG, startHarness, type Harness } from './support/harness';

/**
 * Faithfulness check against Stripe's own example objects: wherever a fixture shows a field, the
 * emulator's object has it, and when both hold a value the JSON types agree (a nullable field may
 * be null on either side; an expandable field may be an id on one side and an object on the other).
 */
const fixtures = (
  JSON.parse(readFileSync(join(__dirname, 'fixtures', 'stripe-fixtures.json'), 'utf8')) as {
    resources: Record<string, unknown>;
  }
).resources;

function kind(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Fields a fixture shows that this API version's SDK types no longer have (the fixture file lags
 * the types): the emulator follows the types.
 */
const REMOVED_IN_THIS_API_VERSION = new Set(['invoice.subscription']);
/** Content, not shape: metadata keys and an event's payload (the example event is about a plan). */
const NOT_COMPARED = new Set(['metadata', 'event.data.object']);

function differences(fixture: unknown, actual: unknown, path: string, out: string[]): void {
  if (NOT_COMPARED.has(path) || NOT_COMPARED.has(path.slice(path.lastIndexOf('.') + 1))) return;
  const expected = kind(fixture);
  const got = kind(actual);
  if (expected === 'null' || got === 'null') return;
  const expandable =
    (expected === 'object' && got === 'string') || (expected === 'string' && got === 'object');
  if (expandable) return;
  if (expected !== got) {
    out.push(`${path}: fixture has ${expected}, emulator has ${got}`);
    return;
  }
  if (expected === 'array') {
    const [first] = fixture as unknown[];
    const [mine] = actual as unknown[];
    if (first !== undefined && mine !== undefined) differences(first, mine, `${path}[0]`, out);
    return;
  }
  if (expected !== 'object') return;
  const mine = actual as Record<string, unknown>;
  for (const [key, value] of Object.entries(fixture as Record<string, unknown>)) {
    if (!(key in mine)) {
      if (REMOVED_IN_THIS_API_VERSION.has(`${path}.${key}`)) continue;
      out.push(`${path}.${key}: missing`);
      continue;
    }
    differences(value, mine[key], `${path}.${key}`, out);
  }
}

function parity(resource: string, actual: unknown): string[] {
  const out: string[] = [];
  differences(fixtures[resource], actual, resource, out);
  return out;
}

describe('object shapes match Stripe’s example objects', () => {
  let harness: Harness;
  let stripe: Stripe;
  const objects: Record<string, unknown> = {};

  beforeAll(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
      success_url: 'https://a.b/',
      discounts: [{ coupon: 'HALF' }],
    });
    await harness.control(`checkout/sessions/${session.id}/complete`, { card: '4242424242424242' });
    const done = await stripe.checkout.sessions.retrieve(session.id);
    const subscription = await stripe.subscriptions.retrieve(done.subscription as string);
    const invoice = await stripe.invoices.retrieve(done.invoice as string);
    const payment = (await stripe.invoicePayments.list({ invoice: invoice.id })).data[0];
    const intent = await stripe.paymentIntents.retrieve(payment.payment.payment_intent as string);
    const refund = await stripe.refunds.create({ payment_intent: intent.id, amount: 100 });
    const charge = await stripe.charges.retrieve(intent.latest_charge as string);
    await stripe.subscriptions.update(subscription.id, {
      items: [{ id: subscription.items.data[0].id, price: 'price_starter_monthly' }],
    });
    const invoiceItem = (await stripe.invoiceItems.list({ pending: true })).data[0];
    const endpoint = await stripe.webhookEndpoints.create({
      url: 'http://127.0.0.1:9/',
      enabled_events: ['*'],
    });
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: 1_800_000_000 });
    const portal = await stripe.billingPortal.sessions.create({
      customer: done.customer as string,
      flow_data: {
        type: 'subscription_update',
        subscription_update: { subscription: subscription.id },
      },
    });
    const promotion = (await stripe.promotionCodes.list({ code: 'HALFOFF' })).data[0];
    const lineItem = (await stripe.checkout.sessions.listLineItems(session.id)).data[0];
    const deletable = await stripe.products.create({ name: 'Deleted' });
    Object.assign(objects, {
      customer: await stripe.customers.retrieve(done.customer as string),
      product: await stripe.products.retrieve('prod_pro'),
      price: await stripe.prices.retrieve('price_pro_monthly'),
      coupon: await stripe.coupons.retrieve('HALF'),
      promotion_code: promotion,
      discount: await stripe.subscriptions
        .retrieve(subscription.id, { expand: ['discounts'] })
        .then((entry) => entry.discounts[0]),
      subscription: await stripe.subscriptions.retrieve(subscription.id),
      subscription_item: subscription.items.data[0],
      plan: subscription.items.data[0].plan,
      invoice,
      line_item: invoice.lines.data[0],
      invoice_payment: payment,
      invoiceitem: invoiceItem,
      payment_intent: intent,
      charge,
      refund,
      payment_method: await stripe.paymentMethods.retrieve(
        subscription.default_payment_method as string,
      ),
      event: (await stripe.events.list({ limit: 1 })).data[0],
      webhook_endpoint: endpoint,
      'test_helpers.test_clock': clock,
      'billing_portal.session': portal,
      'checkout.session': done,
      item: lineItem,
      deleted_customer: await stripe.customers.del((await stripe.customers.create({})).id),
      deleted_product: await stripe.products.del(deletable.id),
      deleted_coupon: await stripe.coupons.del(
        (await stripe.coupons.create({ percent_off: 1 })).id,
      ),
      deleted_webhook_endpoint: await stripe.webhookEndpoints.del(endpoint.id),
      'deleted_test_helpers.test_clock': await stripe.testHelpers.testClocks.del(clock.id),
    });
  });
  afterAll(() => harness.close());

  it.each(Object.keys(fixtures))(
    '%s has every field of Stripe’s example, with the same types',
    (resource) => {
      expect(objects[resource]).toBeDefined();
      expect(parity(resource, objects[resource])).toEqual([]);
    },
  );
});
