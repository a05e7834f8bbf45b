import { withBuyerEmail } from '../../src/checkout/checkout.service';
import { refundIdempotencyKey } from '../../src/payments/payment-refunds.service';

describe('the Stripe idempotency key of a refund request', () => {
  const payment = '3f1c1f0e-8f9c-4a59-9a43-2d1f8b0f6c11';

  it('is the request itself without a client key: a retry is the same refund', () => {
    const key = refundIdempotencyKey(payment, { amount: 500, reason: 'duplicate' }, undefined);
    expect(key).toBe(`refund-${payment}-500-duplicate`);
    expect(refundIdempotencyKey(payment, { amount: 500, reason: 'duplicate' }, undefined)).toBe(
      key,
    );
    // Another amount, another reason, or "the rest" are other refunds.
    expect(refundIdempotencyKey(payment, { amount: 400, reason: 'duplicate' }, undefined)).not.toBe(
      key,
    );
    expect(refundIdempotencyKey(payment, { amount: 500 }, undefined)).toBe(
      `refund-${payment}-500-none`,
    );
    expect(refundIdempotencyKey(payment, {}, undefined)).toBe(`refund-${payment}-rest-none`);
  });

  it("is the client's key (hashed, within Stripe's 255 characters) when there is one", () => {
    const long = 'k'.repeat(255);
    const key = refundIdempotencyKey(payment, { amount: 500 }, long);
    expect(key).toMatch(new RegExp(`^refund-${payment}-key-[0-9a-f]{32}$`));
    expect(key.length).toBeLessThanOrEqual(255);
    // The body does not name the key: the same key with another body is Stripe's to refuse.
    expect(refundIdempotencyKey(payment, { amount: 1 }, long)).toBe(key);
    expect(refundIdempotencyKey(payment, { amount: 500 }, 'other')).not.toBe(key);
  });
});

describe("the buyer's e-mail in a Checkout session's metadata", () => {
  it('is added when the token has one, and left out otherwise', () => {
    expect(withBuyerEmail({ accountId: 'a' }, 'b@c.d')).toEqual({
      accountId: 'a',
      buyer_email: 'b@c.d',
    });
    expect(withBuyerEmail({ accountId: 'a' }, undefined)).toEqual({ accountId: 'a' });
    expect(withBuyerEmail({ accountId: 'a' }, '')).toEqual({ accountId: 'a' });
  });
});
