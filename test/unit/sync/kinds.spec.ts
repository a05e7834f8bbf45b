import type Stripe from 'stripe';
import { chargeKind, toChargeRow } from '../../../src/sync/kinds/charge.kind';
import {
  checkoutSessionKind,
  toCheckoutSessionRow,
} from '../../../src/sync/kinds/checkout-session.kind';
import {
  customerKind,
  toBillingAddressRow,
  toCustomerRow,
} from '../../../src/sync/kinds/customer.kind';
import { paymentMethodKind, toPaymentMethodRow } from '../../../src/sync/kinds/payment-method.kind';
import { taxIdKind, toTaxIdRow } from '../../../src/sync/kinds/tax-id.kind';
import { invoiceKind } from '../../../src/sync/kinds/invoice.kind';
import {
  HANDLED_EVENT_TYPES,
  kindOfEvent,
  kindOfObject,
  KINDS,
} from '../../../src/sync/kinds/registry';
import {
  discountedAmount,
  subscriptionKind,
  toSubscriptionRow,
} from '../../../src/sync/kinds/subscription.kind';
import { stripeFixture } from '../../support/stripe-fixtures';

const subscription = (overrides: Partial<Stripe.Subscription> = {}) =>
  stripeFixture<Stripe.Subscription>('subscription', overrides);
const invoice = (overrides: Partial<Stripe.Invoice> = {}) =>
  stripeFixture<Stripe.Invoice>('invoice', overrides);
const session = (overrides: Partial<Stripe.Checkout.Session> = {}) =>
  stripeFixture<Stripe.Checkout.Session>('checkout.session', overrides);
const charge = (overrides: Partial<Stripe.Charge> = {}) =>
  stripeFixture<Stripe.Charge>('charge', overrides);

describe('the registry', () => {
  it('gives every handled event type (DESIGN §6, plus saved cards) exactly one kind', () => {
    expect([...HANDLED_EVENT_TYPES].sort()).toEqual(
      [
        'checkout.session.completed',
        'checkout.session.async_payment_succeeded',
        'checkout.session.async_payment_failed',
        'checkout.session.expired',
        'customer.subscription.created',
        'customer.subscription.updated',
        'customer.subscription.deleted',
        'customer.subscription.paused',
        'customer.subscription.resumed',
        'customer.subscription.trial_will_end',
        'invoice.paid',
        'invoice.payment_succeeded',
        'invoice.payment_failed',
        'invoice.payment_action_required',
        'invoice.finalized',
        'invoice.voided',
        'invoice.marked_uncollectible',
        'charge.refunded',
        'product.created',
        'product.updated',
        'product.deleted',
        'price.created',
        'price.updated',
        'price.deleted',
        'customer.updated',
        'customer.deleted',
        // Beyond DESIGN §6 (README, "Webhooks"): the saved cards' mirror.
        'payment_method.attached',
        'payment_method.updated',
        'payment_method.detached',
        // Beyond DESIGN §6: the billing profile's tax ids.
        'customer.tax_id.created',
        'customer.tax_id.updated',
        'customer.tax_id.deleted',
      ].sort(),
    );
    expect(kindOfEvent('invoice.created')).toBeUndefined();
    expect(new Set(KINDS.map((kind) => kind.name)).size).toBe(KINDS.length);
  });

  it('finds the kind of an object by its `object` field', () => {
    expect(kindOfObject(subscription())?.name).toBe('subscription');
    expect(kindOfObject(session())?.name).toBe('checkout_session');
    expect(kindOfObject({ object: 'balance', id: 'x' })).toBeUndefined();
    expect(kindOfObject('sub_1')).toBeUndefined();
  });
});

describe('the subscription kind', () => {
  it('locks on the customer, and its payload is complete without discounts', () => {
    const sub = subscription({ discounts: [] });
    expect(subscriptionKind.lockKeyOf(sub)).toBe('customer:cus_QXg1o8vcGmoR32');
    expect(subscriptionKind.isComplete(sub)).toBe(true);
    // A discount named only by id needs its coupon's terms: the engine fetches.
    expect(subscriptionKind.isComplete(subscription({ discounts: ['di_1'] }))).toBe(false);
  });

  it('orders states by status rank and period start', () => {
    const incomplete = subscriptionKind.map(subscription({ status: 'incomplete', discounts: [] }));
    const active = subscriptionKind.map(subscription({ status: 'active', discounts: [] }));
    const canceled = subscriptionKind.map(subscription({ status: 'canceled', discounts: [] }));
    expect(incomplete.progress[0]).toBeLessThan(active.progress[0]);
    expect(active.progress[0]).toBeLessThan(canceled.progress[0]);
    expect(active.hash).not.toBe(canceled.hash);
    expect(active.ownership).toEqual({ customerId: 'cus_QXg1o8vcGmoR32', claims: [undefined] });
    expect(active.dependencies).toEqual([
      { kind: 'price', price: subscription().items.data[0].price },
    ]);
  });

  it('takes discounts off the amount the account pays per period', () => {
    const base = subscription({ discounts: [] });
    const item = base.items.data[0];
    item.price = { ...item.price, unit_amount: 8700 };
    item.quantity = 1;
    expect(discountedAmount(base)).toEqual({ amount: 8700, discount: null });

    const coupon = stripeFixture<Stripe.Coupon>('coupon', {
      id: 'WELCOME10',
      percent_off: 10,
      amount_off: null,
      duration: 'forever',
      name: 'Welcome',
    });
    const discount = stripeFixture<Stripe.Discount>('discount', {
      id: 'di_1',
      end: null,
      source: { coupon, type: 'coupon' },
    });
    const discounted = { ...base, discounts: [discount] };
    expect(discountedAmount(discounted)).toMatchObject({
      amount: 7830,
      discount: { id: 'di_1', couponId: 'WELCOME10', percentOff: 10, duration: 'forever' },
    });
    expect(toSubscriptionRow(discounted).amount).toBe(7830);

    const fixed = {
      ...base,
      discounts: [
        {
          ...discount,
          source: {
            coupon: { ...coupon, percent_off: null, amount_off: 1000 },
            type: 'coupon' as const,
          },
        },
      ],
    };
    expect(discountedAmount(fixed).amount).toBe(7700);
    // A discount that ended before the current period no longer counts.
    const ended = { ...base, discounts: [{ ...discount, end: item.current_period_start - 1 }] };
    expect(discountedAmount(ended)).toEqual({ amount: 8700, discount: null });
  });

  it('knows the failed payment from an expanded, unpaid latest invoice', () => {
    const open = invoice({ status: 'open', created: 1700000000 });
    expect(toSubscriptionRow(subscription({ latest_invoice: open })).failedPaymentAt).toEqual(
      new Date(1700000000 * 1000),
    );
    expect(toSubscriptionRow(subscription({ latest_invoice: 'in_1' })).failedPaymentAt).toBeNull();
  });

  it("keeps a trial's end behaviour and the subscription's own card", () => {
    const cardless = toSubscriptionRow(
      subscription({
        default_payment_method: null,
        default_source: null,
        trial_settings: {
          end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'pause' },
        },
      }),
    );
    expect(cardless).toMatchObject({ trialEndBehavior: 'pause', defaultPaymentMethodId: null });
    const carded = toSubscriptionRow(
      subscription({ default_payment_method: 'pm_1', trial_settings: null }),
    );
    expect(carded).toMatchObject({ trialEndBehavior: null, defaultPaymentMethodId: 'pm_1' });
  });
});

describe('the invoice kind', () => {
  it('orders draft → open → paid and attempts, and claims the subscription’s account', () => {
    const finalized = invoiceKind.map(invoice({ status: 'open', attempt_count: 0 }));
    const failed = invoiceKind.map(invoice({ status: 'open', attempt_count: 1 }));
    const paid = invoiceKind.map(invoice({ status: 'paid', attempt_count: 1 }));
    expect(finalized.progress).toEqual([1, 0]);
    expect(failed.progress).toEqual([1, 1]);
    expect(paid.progress).toEqual([3, 1]);
    expect(invoiceKind.isComplete(invoice() as never)).toBe(true);
    expect(invoiceKind.map(invoice() as never).row).toBeNull();
  });
});

describe('the checkout session kind', () => {
  it('needs the line items, which events do not carry', () => {
    expect(checkoutSessionKind.isComplete(session({ line_items: undefined }))).toBe(false);
    expect(toCheckoutSessionRow(session({ line_items: undefined }))).toBeNull();
  });

  it('maps a paid one-time session with its price, purchase and claims', () => {
    const price = stripeFixture<Stripe.Price>('price');
    const withItems = session({
      mode: 'payment',
      status: 'complete',
      payment_status: 'paid',
      amount_total: 1900,
      client_reference_id: '6f1c1f0e-8f9c-4a59-9a43-2d1f8b0f6c11',
      line_items: {
        object: 'list',
        data: [{ ...stripeFixture<Stripe.LineItem>('line_item'), price, quantity: 2 }],
        has_more: false,
        url: '/v1/checkout/sessions/cs_1/line_items',
      },
    });
    const mapped = checkoutSessionKind.map(withItems);
    expect(mapped.row).toMatchObject({
      mode: 'PAYMENT',
      status: 'complete',
      fulfilled: true,
      priceId: price.id,
      quantity: 2,
      amount: 1900,
      refunds: [],
    });
    expect(mapped.ownership?.claims).toContain('6f1c1f0e-8f9c-4a59-9a43-2d1f8b0f6c11');
    expect(mapped.progress).toEqual([1, 1, 0]);
  });
});

describe('the charge kind', () => {
  it('keeps only succeeded refunds, dated by Stripe, and orders by the amount refunded', () => {
    const refund = stripeFixture<Stripe.Refund>('refund', {
      id: 're_1',
      status: 'succeeded',
      amount: 500,
      created: 1700000500,
    });
    const pending = { ...refund, id: 're_2', status: 'pending' };
    const refunded = charge({
      refunded: true,
      amount_refunded: 500,
      refunds: { object: 'list', data: [refund, pending], has_more: false, url: '' },
    });
    expect(toChargeRow(refunded)).toMatchObject({
      refunded: true,
      refunds: [{ stripeRefundId: 're_1', amount: 500 }],
      refundedAt: new Date(1700000500 * 1000),
    });
    expect(chargeKind.map(refunded).progress).toEqual([500, 1]);
    // Recent API versions leave refunds out unless expanded: such a payload is fetched.
    expect(chargeKind.isComplete(charge({ refunds: undefined }))).toBe(false);
  });
});

describe('the customer kind', () => {
  it('maps the e-mail and a deletion, which needs no account', () => {
    const customer = stripeFixture<Stripe.Customer>('customer', { email: 'a@b.c' });
    expect(toCustomerRow(customer)).toEqual({
      id: customer.id,
      email: 'a@b.c',
      defaultPaymentMethodId: null,
      name: null,
      address: null,
      deleted: false,
    });
    const deleted = customerKind.map({ id: customer.id, object: 'customer', deleted: true });
    expect(deleted.requiresAccount).toBeNull();
    expect(customerKind.map(customer).requiresAccount).toBe('customer of no account');
  });

  it('maps the card renewals are charged to: the invoice default, else the default source', () => {
    const withCard = stripeFixture<Stripe.Customer>('customer', {
      invoice_settings: {
        custom_fields: null,
        default_payment_method: 'pm_card',
        footer: null,
        rendering_options: null,
      },
    });
    expect(toCustomerRow(withCard).defaultPaymentMethodId).toBe('pm_card');
    const withSource = stripeFixture<Stripe.Customer>('customer', { default_source: 'card_1' });
    expect(toCustomerRow(withSource).defaultPaymentMethodId).toBe('card_1');
  });

  it('maps the name and address of the billing profile; empty parts are null', () => {
    const customer = stripeFixture<Stripe.Customer>('customer', {
      name: 'Beispiel GmbH',
      address: {
        line1: 'Unter den Linden 1',
        line2: '',
        city: 'Berlin',
        state: null,
        postal_code: '10117',
        country: 'DE',
      },
    });
    expect(toCustomerRow(customer)).toMatchObject({
      name: 'Beispiel GmbH',
      address: {
        line1: 'Unter den Linden 1',
        line2: null,
        city: 'Berlin',
        state: null,
        postalCode: '10117',
        country: 'DE',
      },
    });
    // Stripe's fixture has an address object whose parts are all null: no address.
    expect(toBillingAddressRow(stripeFixture<Stripe.Customer>('customer').address)).toBeNull();
    expect(toCustomerRow(stripeFixture<Stripe.Customer>('customer', { name: '' })).name).toBeNull();
    const renamed = customerKind.map({ ...customer, name: 'Other' });
    expect(renamed.hash).not.toBe(customerKind.map(customer).hash);
  });
});

describe('the tax id kind', () => {
  it("maps Stripe's tax id to a row owned through its customer, locked on the customer", () => {
    const taxId = stripeFixture<Stripe.TaxId>('tax_id');
    expect(toTaxIdRow(taxId)).toEqual({
      stripeId: 'txi_1Pgc6sB7WZ01zgkWXkvC78jZ',
      stripeCustomerId: 'cus_QXg1o8vcGmoR32',
      type: 'eu_vat',
      value: 'DE123456789',
      country: 'DE',
      verificationStatus: 'pending',
      createdAt: new Date(1234567890 * 1000),
    });
    expect(taxIdKind.lockKeyOf(taxId)).toBe('customer:cus_QXg1o8vcGmoR32');
    expect(taxIdKind.isComplete(taxId)).toBe(true);
    const mapped = taxIdKind.map(taxId);
    expect(mapped.ownership).toEqual({ customerId: 'cus_QXg1o8vcGmoR32', claims: [] });
    expect(mapped.requiresAccount).toBe('tax id of no account');
    // Verification only moves forward: pending before verified.
    const verified = taxIdKind.map({
      ...taxId,
      verification: { status: 'verified', verified_address: null, verified_name: null },
    });
    expect(verified.progress[0]).toBeGreaterThan(mapped.progress[0]);
  });

  it('treats the deletion stub as deleted, and finds the kind by object type', () => {
    const stub = stripeFixture<Stripe.DeletedTaxId>('deleted_tax_id');
    expect(taxIdKind.isDeleted(stub)).toBe(true);
    expect(toTaxIdRow(stub)).toBeNull();
    expect(kindOfObject(stub)?.name).toBe('tax_id');
    expect(taxIdKind.eventTypes).toContain('customer.tax_id.deleted');
    expect(taxIdKind.deletionEvents).toEqual(['customer.tax_id.deleted']);
  });
});

describe('the payment method kind', () => {
  const method = (overrides: Partial<Stripe.PaymentMethod> = {}): Stripe.PaymentMethod =>
    stripeFixture<Stripe.PaymentMethod>('payment_method', overrides);

  it("maps Stripe's example card: brand, last 4, expiry, funding, created", () => {
    const attached = method({ customer: 'cus_123' });
    expect(toPaymentMethodRow(attached)).toEqual({
      id: 'pm_1Pgc75B7WZ01zgkWlHVgdEGJ',
      customerId: 'cus_123',
      type: 'card',
      brand: 'visa',
      last4: '4242',
      expMonth: 8,
      expYear: 2030,
      funding: 'credit',
      createdAt: new Date(1234567890 * 1000),
    });
    const mapped = paymentMethodKind.map(attached);
    expect(mapped.ownership).toEqual({ customerId: 'cus_123', claims: [] });
    // Kept by customer: a card attached before its account's link is written is not lost.
    expect(mapped.requiresAccount).toBeNull();
    expect(mapped.progress).toEqual([0]);
    expect(kindOfObject(attached)?.name).toBe('payment_method');
  });

  it('takes an expanded customer, and a card without card details', () => {
    const customer = stripeFixture<Stripe.Customer>('customer', { id: 'cus_9' });
    expect(toPaymentMethodRow(method({ customer })).customerId).toBe('cus_9');
    const bare = toPaymentMethodRow(method({ card: undefined, type: 'card' }));
    expect(bare).toMatchObject({ brand: null, last4: null, expMonth: null, expYear: null });
  });

  it('maps a detached card (no customer) as final, needing no account', () => {
    const detached = method({ customer: null });
    const mapped = paymentMethodKind.map(detached);
    expect(mapped.row.customerId).toBeNull();
    expect(mapped.ownership).toBeNull();
    expect(mapped.requiresAccount).toBeNull();
    // Detached outranks attached within one second: it can only come after.
    expect(mapped.progress).toEqual([1]);
    expect(mapped.hash).not.toBe(paymentMethodKind.map(method({ customer: 'cus_1' })).hash);
    // Every state of one card serialises on the card, attached or not.
    expect(paymentMethodKind.lockKeyOf(detached)).toBe(`object:${detached.id}`);
    expect(paymentMethodKind.isComplete(detached)).toBe(true);
  });
});

describe('the customer kind: default card', () => {
  it('maps invoice_settings.default_payment_method, expanded or not', () => {
    const customer = stripeFixture<Stripe.Customer>('customer');
    const withDefault = {
      ...customer,
      invoice_settings: { ...customer.invoice_settings, default_payment_method: 'pm_1' },
    };
    expect(toCustomerRow(withDefault).defaultPaymentMethodId).toBe('pm_1');
    const expanded = {
      ...customer,
      invoice_settings: {
        ...customer.invoice_settings,
        default_payment_method: stripeFixture<Stripe.PaymentMethod>('payment_method'),
      },
    };
    expect(toCustomerRow(expanded).defaultPaymentMethodId).toBe('pm_1Pgc75B7WZ01zgkWlHVgdEGJ');
  });
});

describe('the charge kind: refunded amount of the paid line', () => {
  it('keeps amount_refunded and the payment ids this service named in refund metadata', () => {
    const base = stripeFixture<Stripe.Refund>('refund', { status: 'succeeded', amount: 300 });
    const paymentId = '3f1c1f0e-8f9c-4a59-9a43-2d1f8b0f6c11';
    const refunds = [
      { ...base, id: 're_a', metadata: { paymentId } },
      { ...base, id: 're_b', metadata: { paymentId } },
      { ...base, id: 're_c', metadata: { paymentId: 'not-a-uuid' } },
    ];
    const row = toChargeRow(
      charge({
        amount_refunded: 900,
        refunds: { object: 'list', data: refunds, has_more: false, url: '' },
      }),
    );
    expect(row.amountRefunded).toBe(900);
    expect(row.paymentIds).toEqual([paymentId]);
  });
});
