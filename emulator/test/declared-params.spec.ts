import Stripe from 'stripe';
import { SANDBOX_CATALOG, startHarness, type Harness } from './support/harness';

/**
 * Every endpoint declares the parameters it implements (`emulator/src/api/params`); anything
 * else is refused with Stripe's `parameter_unknown` and the bracket path of the offending key,
 * and malformed values fail before anything changes.
 */
describe('declared parameters', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness({ catalogFile: SANDBOX_CATALOG });
    stripe = harness.stripe;
  });
  afterAll(() => harness.close());

  async function refusal(request: Promise<unknown>): Promise<Stripe.errors.StripeError> {
    const caught = await request.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(caught).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    return caught as Stripe.errors.StripeError;
  }

  it('names an unknown nested key with its bracket path', async () => {
    const customer = await stripe.customers.create({ email: 'nested@example.com' });
    const error = await refusal(
      stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: 'price_pro_monthly', tax_rates: ['txr_x'] }],
      }),
    );
    expect(error).toMatchObject({
      code: 'parameter_unknown',
      param: 'items[0][tax_rates]',
      statusCode: 400,
      message: 'Received unknown parameter: items[0][tax_rates]',
    });
    const deeper = await refusal(
      stripe.checkout.sessions.create({
        mode: 'subscription',
        line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
        success_url: 'https://a.b/',
        subscription_data: {
          trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
        },
        nonsense: 'x',
      } as Stripe.Checkout.SessionCreateParams),
    );
    expect(deeper.code).toBe('parameter_unknown');
  });

  it('refuses values of the wrong type, and empty values for fields that cannot be unset', async () => {
    expect(
      await refusal(
        stripe.customers.list({ limit: 'ten' } as unknown as Stripe.CustomerListParams),
      ),
    ).toMatchObject({ code: 'parameter_invalid_integer', param: 'limit' });
    expect(
      await refusal(stripe.prices.list({ active: 'yes' } as unknown as Stripe.PriceListParams)),
    ).toMatchObject({ code: 'parameter_invalid', param: 'active' });
    expect(
      await refusal(
        stripe.products.create({
          name: 'Empty',
          unit_label: 'x',
          url: 'https://a.b',
          shippable: true,
        }),
      ),
    ).toMatchObject({ code: 'parameter_unknown', param: 'shippable' });
    const product = await stripe.products.create({ name: 'Unset' });
    expect(await refusal(stripe.products.update(product.id, { name: '' }))).toMatchObject({
      code: 'parameter_invalid_empty',
      param: 'name',
    });
  });

  it('refuses Stripe values the emulator does not implement, saying so', async () => {
    const flow = await refusal(
      stripe.billingPortal.sessions.create({
        customer: 'cus_anything',
        flow_data: { type: 'subscription_update_confirm' },
      }),
    );
    expect(flow).toMatchObject({ param: 'flow_data[type]' });
    expect(flow.message).toMatch(/not implemented by the Stripe emulator/);
    const after = await refusal(
      stripe.billingPortal.sessions.create({
        customer: 'cus_anything',
        flow_data: {
          type: 'payment_method_update',
          after_completion: { type: 'hosted_confirmation' },
        },
      }),
    );
    expect(after).toMatchObject({ param: 'flow_data[after_completion][type]' });
    expect(after.message).toMatch(/not implemented by the Stripe emulator/);
  });

  it('reports a missing required nested parameter by its path', async () => {
    const error = await refusal(
      stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ quantity: 1 }],
        success_url: 'https://a.b/',
      }),
    );
    expect(error).toMatchObject({ code: 'parameter_missing', param: 'line_items[0][price]' });
  });

  it('checks metadata limits', async () => {
    const error = await refusal(stripe.customers.create({ metadata: { ['k'.repeat(41)]: 'v' } }));
    expect(error).toMatchObject({ param: `metadata[${'k'.repeat(41)}]` });
  });
});
