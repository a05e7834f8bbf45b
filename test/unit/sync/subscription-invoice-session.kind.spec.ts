import type Stripe from 'stripe';
import { claimedAccountId } from '../../../src/sync/engine/ownership';
import { checkoutStatusOf } from '../../../src/sync/kinds/checkout-session.kind';
import {
  invoicePaymentStatus,
  invoiceSubscriptionId,
  toInvoicePayment,
} from '../../../src/sync/kinds/invoice.kind';
import { toSubscriptionRow as toSubscriptionFields } from '../../../src/sync/kinds/subscription.kind';
import { stripeFixture } from '../../support/stripe-fixtures';

const subscription = (overrides: Partial<Stripe.Subscription> = {}) =>
  stripeFixture<Stripe.Subscription>('subscription', overrides);
const invoice = (overrides: Partial<Stripe.Invoice> = {}) =>
  stripeFixture<Stripe.Invoice>('invoice', overrides);
const at = (seconds: number) => new Date(seconds * 1000);

describe('toSubscriptionFields on Stripe example objects', () => {
  it('takes the period from the item, as this API version has it', () => {
    const fields = toSubscriptionFields(subscription());
    expect(fields).toMatchObject({
      stripeId: 'sub_1Pgc6rB7WZ01zgkWNy0Cn5nw',
      stripeCustomerId: 'cus_QXg1o8vcGmoR32',
      status: 'active',
      priceId: 'price_1PgafmB7WZ01zgkW6dKueIc5',
      productId: 'prod_QXg1hqf4jFNsqG',
      quantity: 1,
      currentPeriodStart: at(1896570518),
      currentPeriodEnd: at(976287773),
      cancelAtPeriodEnd: true,
      cancelAt: at(1234567890),
      trialStart: at(1234567890),
      stripeCreatedAt: at(1234567890),
    });
  });

  it('keeps nullable cancel and trial fields null', () => {
    const fields = toSubscriptionFields(
      subscription({
        cancel_at: null,
        canceled_at: null,
        ended_at: null,
        trial_start: null,
        trial_end: null,
        cancel_at_period_end: false,
      }),
    );
    expect(fields).toMatchObject({
      cancelAt: null,
      canceledAt: null,
      endedAt: null,
      trialStart: null,
      trialEnd: null,
      cancelAtPeriodEnd: false,
    });
  });

  it.each([
    'incomplete',
    'incomplete_expired',
    'trialing',
    'active',
    'past_due',
    'canceled',
    'unpaid',
    'paused',
  ] as const)('maps status %s', (status) => {
    expect(toSubscriptionFields(subscription({ status })).status).toBe(status);
  });

  it('fails loudly on a status this version does not know', () => {
    expect(() =>
      toSubscriptionFields(subscription({ status: 'frozen' as Stripe.Subscription.Status })),
    ).toThrow(/unknown status/);
  });

  it('reads an expanded customer', () => {
    const customer = stripeFixture<Stripe.Customer>('customer');
    expect(toSubscriptionFields(subscription({ customer })).stripeCustomerId).toBe(customer.id);
  });
});

describe('invoices', () => {
  it('finds the subscription under parent.subscription_details', () => {
    expect(invoiceSubscriptionId(invoice())).toBe('subscription');
    expect(invoiceSubscriptionId(invoice({ parent: null }))).toBeNull();
  });

  it.each([
    ['draft', 0, null],
    ['open', 0, 'PENDING'],
    ['open', 2, 'FAILED'],
    ['paid', 1, 'COMPLETED'],
    ['uncollectible', 4, 'FAILED'],
    ['void', 0, 'CANCELLED'],
  ] as const)('status %s after %i attempts → %s', (status, attempts, expected) => {
    expect(invoicePaymentStatus(invoice({ status, attempt_count: attempts }))).toBe(expected);
  });

  it('records a paid invoice as a completed subscription payment of the amount paid', () => {
    const paid = invoice({
      status: 'paid',
      amount_paid: 2900,
      hosted_invoice_url: 'https://invoice.example/in_1',
      status_transitions: {
        finalized_at: 1700000000,
        paid_at: 1700000100,
        marked_uncollectible_at: null,
        voided_at: null,
      },
    });
    expect(toInvoicePayment(paid)).toMatchObject({
      sourceKey: 'invoice:in_1Pgc6tB7WZ01zgkWu9fdqL6I',
      type: 'SUBSCRIPTION',
      status: 'COMPLETED',
      amount: 2900,
      currency: 'usd',
      stripeInvoiceId: 'in_1Pgc6tB7WZ01zgkWu9fdqL6I',
      stripeSubscriptionId: 'subscription',
      hostedInvoiceUrl: 'https://invoice.example/in_1',
      occurredAt: at(1700000100),
    });
  });

  it('records a failed attempt with the amount due, and skips drafts', () => {
    expect(toInvoicePayment(invoice({ status: 'open', attempt_count: 1 }))).toMatchObject({
      status: 'FAILED',
      amount: 1000,
    });
    expect(toInvoicePayment(invoice())).toBeNull();
  });
});

describe('checkout sessions and claimed accounts', () => {
  it('reads the session status, defaulting to open', () => {
    const session = stripeFixture<Stripe.Checkout.Session>('checkout.session');
    expect(checkoutStatusOf({ ...session, status: 'complete' })).toBe('complete');
    expect(checkoutStatusOf({ ...session, status: 'expired' })).toBe('expired');
    expect(checkoutStatusOf({ ...session, status: null })).toBe('open');
  });

  it('only trusts a well-formed account id', () => {
    const id = '6f1c1f0e-8f9c-4a59-9a43-2d1f8b0f6c11';
    expect(claimedAccountId(null, 'not-an-id', id)).toBe(id);
    expect(claimedAccountId("1' OR 1=1", undefined)).toBeNull();
  });
});
