import fc from 'fast-check';
import type Stripe from 'stripe';
import { startHarness, type Harness } from './support/harness';

/**
 * Whatever the SDK encodes, the emulator decodes to the same values: metadata keys and values
 * with brackets, ampersands, plus signs, percent signs and non-ASCII text survive a round trip.
 */
describe('form encoding round trip through the SDK', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness();
    stripe = harness.stripe;
  });
  afterAll(() => harness.close());

  const text = fc.string({
    unit: fc.constantFrom(
      'a',
      'Z',
      '0',
      ' ',
      '&',
      '=',
      '+',
      '%',
      '[',
      ']',
      '/',
      '?',
      'é',
      '€',
      '😀',
      '"',
      "'",
    ),
    minLength: 1,
    maxLength: 20,
  });

  it('keeps metadata and descriptions intact', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          text.filter((key) => !/[[\]]/.test(key) && key.trim() === key && key.length > 0),
          text.filter((value) => value.length > 0),
          { maxKeys: 5 },
        ),
        text,
        async (metadata, description) => {
          const product = await stripe.products.create({
            name: description,
            description,
            metadata,
          });
          const fetched = await stripe.products.retrieve(product.id);
          expect(fetched.metadata).toEqual(metadata);
          expect(fetched.description).toBe(description);
          expect(fetched.name).toBe(description);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps the order and values of nested arrays', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 12 }),
        async (quantities) => {
          const product = await stripe.products.create({ name: 'Array' });
          const prices: Stripe.Price[] = [];
          for (const quantity of quantities.slice(0, 3))
            prices.push(
              await stripe.prices.create({
                product: product.id,
                currency: 'usd',
                unit_amount: quantity * 100,
              }),
            );
          const session = await stripe.checkout.sessions.create({
            mode: 'payment',
            success_url: 'https://a.b/',
            line_items: quantities.map((quantity, index) => ({
              price: prices[index % prices.length].id,
              quantity,
            })),
          });
          const items = await stripe.checkout.sessions.listLineItems(session.id, { limit: 100 });
          expect(items.data.map((item) => item.quantity)).toEqual(quantities);
          expect(items.data.map((item) => item.price?.id)).toEqual(
            quantities.map((_quantity, index) => prices[index % prices.length].id),
          );
        },
      ),
      { numRuns: 25 },
    );
  });
});
