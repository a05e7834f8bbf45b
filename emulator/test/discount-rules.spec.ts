import type Stripe from 'stripe';
import { SANDBOX_CATALOG, startHarness, type Harness } from './support/harness';

describe('coupon applies_to and promotion-code restrictions', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
  });
  afterAll(() => harness.close());

  async function customerWithCard(email: string): Promise<{ customer: string; card: string }> {
    const customer = await stripe.customers.create({ email });
    const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    return { customer: customer.id, card: card.id };
  }

  it('discounts only the products a coupon applies to, line by line', async () => {
    const coupon = await stripe.coupons.create({
      percent_off: 50,
      duration: 'forever',
      applies_to: { products: ['prod_lifetime', 'prod_pro'] },
    });
    expect(coupon).not.toHaveProperty('applies_to');
    expect(
      (await stripe.coupons.retrieve(coupon.id, { expand: ['applies_to'] })).applies_to,
    ).toEqual({ products: ['prod_lifetime', 'prod_pro'] });
    await expect(
      stripe.coupons.create({
        percent_off: 5,
        duration: 'once',
        applies_to: { products: ['prod_nope'] },
      }),
    ).rejects.toMatchObject({ code: 'resource_missing', param: 'applies_to[products][0]' });

    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [
        { price: 'price_lifetime', quantity: 1 },
        { price: 'price_credits_1000', quantity: 1 },
      ],
      success_url: 'https://a.b/',
      discounts: [{ coupon: coupon.id }],
    });
    // Only the Pro Lifetime line (49900) is halved; the credits (1900) are not.
    expect(session).toMatchObject({
      amount_subtotal: 51800,
      amount_total: 51800 - 24950,
      total_details: { amount_discount: 24950 },
    });
    const items = await stripe.checkout.sessions.listLineItems(session.id);
    expect(items.data.map((item) => item.amount_discount).sort((a, b) => a - b)).toEqual([
      0, 24950,
    ]);

    const { customer, card } = await customerWithCard('applies@example.com');
    const starter = await stripe.subscriptions.create({
      customer,
      items: [{ price: 'price_starter_monthly' }],
      default_payment_method: card,
      discounts: [{ coupon: coupon.id }],
      expand: ['latest_invoice'],
    });
    expect(starter.latest_invoice).toMatchObject({ subtotal: 900, total: 900 });
    const pro = await stripe.subscriptions.create({
      customer,
      items: [{ price: 'price_pro_monthly' }],
      default_payment_method: card,
      discounts: [{ coupon: coupon.id }],
      expand: ['latest_invoice'],
    });
    const invoice = pro.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ subtotal: 2900, total: 1450 });
    expect(invoice.lines.data[0].discount_amounts).toEqual([
      { amount: 1450, discount: invoice.total_discount_amounts?.[0].discount },
    ]);
  });

  it('refuses a first-time-only code to a customer who has paid before', async () => {
    const coupon = await stripe.coupons.create({ percent_off: 20, duration: 'once' });
    const promotion = await stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: coupon.id },
      code: 'FIRSTONLY',
      restrictions: { first_time_transaction: true },
    });
    expect(promotion.restrictions).toMatchObject({ first_time_transaction: true });
    const fresh = await customerWithCard('fresh@example.com');
    const first = await stripe.checkout.sessions.create({
      mode: 'payment',
      customer: fresh.customer,
      line_items: [{ price: 'price_credits_1000', quantity: 1 }],
      success_url: 'https://a.b/',
      discounts: [{ promotion_code: promotion.id }],
    });
    expect(first.total_details?.amount_discount).toBe(380);

    const returning = await customerWithCard('returning@example.com');
    await stripe.paymentIntents.create({
      amount: 500,
      currency: 'usd',
      customer: returning.customer,
      payment_method: returning.card,
      confirm: true,
    });
    const error = await stripe.checkout.sessions
      .create({
        mode: 'payment',
        customer: returning.customer,
        line_items: [{ price: 'price_credits_1000', quantity: 1 }],
        success_url: 'https://a.b/',
        discounts: [{ promotion_code: promotion.id }],
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ param: 'discounts[0][promotion_code]' });
    expect((error as Stripe.errors.StripeError).message).toMatch(/prior transactions/);
    await expect(
      stripe.subscriptions.create({
        customer: returning.customer,
        items: [{ price: 'price_starter_monthly' }],
        default_payment_method: returning.card,
        discounts: [{ promotion_code: promotion.id }],
      }),
    ).rejects.toMatchObject({ param: 'discounts[0][promotion_code]' });
  });

  it('enforces a minimum amount, a customer restriction, max_redemptions and expires_at', async () => {
    const coupon = await stripe.coupons.create({
      amount_off: 500,
      currency: 'usd',
      duration: 'once',
    });
    await expect(
      stripe.promotionCodes.create({
        promotion: { type: 'coupon', coupon: coupon.id },
        restrictions: { minimum_amount: 5000 },
      }),
    ).rejects.toMatchObject({ param: 'restrictions[minimum_amount_currency]' });
    const minimum = await stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: coupon.id },
      code: 'BIGORDERS',
      restrictions: { minimum_amount: 5000, minimum_amount_currency: 'usd' },
    });
    const small = stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: 'price_credits_1000', quantity: 1 }],
      success_url: 'https://a.b/',
      discounts: [{ promotion_code: minimum.id }],
    });
    await expect(small).rejects.toMatchObject({ param: 'discounts[0][promotion_code]' });
    const big = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: 'price_credits_1000', quantity: 3 }],
      success_url: 'https://a.b/',
      discounts: [{ promotion_code: minimum.id }],
    });
    expect(big.amount_total).toBe(5700 - 500);

    const owner = await customerWithCard('owner@example.com');
    const other = await customerWithCard('other@example.com');
    const personal = await stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: coupon.id },
      customer: owner.customer,
      max_redemptions: 1,
    });
    await expect(
      stripe.subscriptions.create({
        customer: other.customer,
        items: [{ price: 'price_pro_monthly' }],
        default_payment_method: other.card,
        discounts: [{ promotion_code: personal.id }],
      }),
    ).rejects.toMatchObject({ param: 'discounts[0][promotion_code]' });
    const used = await stripe.subscriptions.create({
      customer: owner.customer,
      items: [{ price: 'price_pro_monthly' }],
      default_payment_method: owner.card,
      discounts: [{ promotion_code: personal.id }],
      expand: ['latest_invoice'],
    });
    expect(used.latest_invoice).toMatchObject({ subtotal: 2900, total: 2400 });
    await expect(
      stripe.subscriptions.create({
        customer: owner.customer,
        items: [{ price: 'price_starter_monthly' }],
        default_payment_method: owner.card,
        discounts: [{ promotion_code: personal.id }],
      }),
    ).rejects.toMatchObject({ param: 'discounts[0][promotion_code]' });

    await expect(
      stripe.promotionCodes.create({
        promotion: { type: 'coupon', coupon: coupon.id },
        expires_at: Math.floor(Date.now() / 1000) - 10,
      }),
    ).rejects.toMatchObject({ param: 'expires_at' });
    const expiring = await stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: coupon.id },
      code: 'SOONGONE',
      expires_at: Math.floor(Date.now() / 1000) + 3600,
    });
    await harness.control('clock/advance', { seconds: 7200 });
    await expect(
      stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ price: 'price_credits_1000', quantity: 1 }],
        success_url: 'https://a.b/',
        discounts: [{ promotion_code: expiring.id }],
      }),
    ).rejects.toMatchObject({ param: 'discounts[0][promotion_code]' });
  });

  it('refuses a code typed at checkout that applies to none of the items', async () => {
    const coupon = await stripe.coupons.create({
      percent_off: 10,
      duration: 'once',
      applies_to: { products: ['prod_pro'] },
    });
    await stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: coupon.id },
      code: 'PROONLY',
    });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: 'price_credits_1000', quantity: 1 }],
      success_url: 'https://a.b/',
      allow_promotion_codes: true,
    });
    const refused = await harness.control(`checkout/sessions/${session.id}/complete`, {
      promotionCode: 'PROONLY',
    });
    expect(refused.status).toBe(400);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
  });
});
