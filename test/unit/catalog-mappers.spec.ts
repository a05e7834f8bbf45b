import type Stripe from 'stripe';
import {
  effectiveTrialDays,
  featuresFromMetadata,
  isLifetime,
  periodTypeOf,
  toPriceRow,
  toProductRow,
  trialDaysFromMetadata,
} from '../../src/catalog/catalog.mappers';
import { fixturePrice, fixtureProduct } from '../support/stripe-fixtures';

describe('periodTypeOf', () => {
  const recurring = (interval: string, intervalCount: number) =>
    periodTypeOf({ type: 'RECURRING', interval, intervalCount, lifetime: false });

  it.each([
    ['day', 1, 'DAILY'],
    ['day', 7, 'WEEKLY'],
    ['day', 2, 'CUSTOM'],
    ['week', 1, 'WEEKLY'],
    ['week', 2, 'CUSTOM'],
    ['month', 1, 'MONTHLY'],
    ['month', 3, 'QUARTERLY'],
    ['month', 6, 'SEMIANNUAL'],
    ['month', 12, 'YEARLY'],
    ['month', 2, 'CUSTOM'],
    ['year', 1, 'YEARLY'],
    ['year', 2, 'CUSTOM'],
  ])('%s × %i → %s', (interval, count, expected) => {
    expect(recurring(interval, count)).toBe(expected);
  });

  it('names one-time prices by whether they grant for ever', () => {
    expect(
      periodTypeOf({ type: 'ONE_TIME', interval: null, intervalCount: null, lifetime: true }),
    ).toBe('ALL_TIME');
    expect(
      periodTypeOf({ type: 'ONE_TIME', interval: null, intervalCount: null, lifetime: false }),
    ).toBe('ONE_TIME');
  });

  it('treats a missing interval count as 1 and an unknown interval as custom', () => {
    expect(
      periodTypeOf({ type: 'RECURRING', interval: 'month', intervalCount: null, lifetime: false }),
    ).toBe('MONTHLY');
    expect(
      periodTypeOf({ type: 'RECURRING', interval: null, intervalCount: null, lifetime: false }),
    ).toBe('CUSTOM');
  });
});

describe('featuresFromMetadata', () => {
  it('splits, trims, drops empties and duplicates, keeping order', () => {
    expect(featuresFromMetadata({ features: ' chat, rag,,export ,chat' })).toEqual([
      'chat',
      'rag',
      'export',
    ]);
  });

  it('gives no features without the key or metadata', () => {
    expect(featuresFromMetadata({})).toEqual([]);
    expect(featuresFromMetadata(null)).toEqual([]);
    expect(featuresFromMetadata({ features: '' })).toEqual([]);
  });
});

describe('lifetime and trial metadata', () => {
  it('reads lifetime=true in any case and nothing else', () => {
    expect(isLifetime({ lifetime: 'TRUE' })).toBe(true);
    expect(isLifetime({ lifetime: 'yes' })).toBe(false);
    expect(isLifetime(undefined)).toBe(false);
  });

  it('reads a whole number of trial days only', () => {
    expect(trialDaysFromMetadata({ trial_days: '14' })).toBe(14);
    expect(trialDaysFromMetadata({ trial_days: '-1' })).toBeNull();
    expect(trialDaysFromMetadata({ trial_days: 'two' })).toBeNull();
    expect(trialDaysFromMetadata({})).toBeNull();
  });
});

describe('effectiveTrialDays', () => {
  it("prefers the price's own trial, falls back to TRIAL_DAYS, and gives none when trials are off", () => {
    expect(effectiveTrialDays(14, 7)).toBe(14);
    expect(effectiveTrialDays(null, 7)).toBe(7);
    expect(effectiveTrialDays(14, 0)).toBe(0);
    expect(effectiveTrialDays(null, 0)).toBe(0);
  });
});

describe('toProductRow on Stripe example objects', () => {
  it('maps the example product', () => {
    const product = fixtureProduct({ metadata: { features: 'chat,rag', lifetime: 'true' } });
    const row = toProductRow(product);
    expect(row).toMatchObject({
      id: 'prod_QXg1hqf4jFNsqG',
      name: 'T-shirt',
      description: 'Comfortable gray cotton t-shirt',
      features: ['chat', 'rag'],
      lifetime: true,
      active: true,
      deleted: false,
      defaultPriceId: 'price_1PgafmB7WZ01zgkW02Hf9z6c',
      stripeCreatedAt: new Date(1234567890 * 1000),
    });
  });

  it('takes the id of an expanded default price', () => {
    const product = fixtureProduct({ default_price: fixturePrice() });
    expect(toProductRow(product).defaultPriceId).toBe('price_1PgafmB7WZ01zgkW6dKueIc5');
  });

  it('marks a deleted product inactive and deleted', () => {
    const deleted: Stripe.DeletedProduct = { id: 'prod_gone', object: 'product', deleted: true };
    expect(toProductRow(deleted)).toMatchObject({
      id: 'prod_gone',
      active: false,
      deleted: true,
      features: [],
    });
  });
});

describe('toPriceRow on Stripe example objects', () => {
  it('maps the example recurring price', () => {
    expect(toPriceRow(fixturePrice())).toMatchObject({
      id: 'price_1PgafmB7WZ01zgkW6dKueIc5',
      productId: 'prod_QXg1hqf4jFNsqG',
      type: 'RECURRING',
      unitAmount: 2000,
      currency: 'usd',
      interval: 'month',
      intervalCount: 1,
      lookupKey: null,
      trialDays: null,
      active: true,
    });
  });

  it('maps a one-time price with an expanded product and a trial in metadata', () => {
    const row = toPriceRow(
      fixturePrice({
        type: 'one_time',
        recurring: null,
        product: fixtureProduct(),
        lookup_key: 'credits_1000',
        metadata: { trial_days: '14' },
      }),
    );
    expect(row).toMatchObject({
      type: 'ONE_TIME',
      interval: null,
      intervalCount: null,
      productId: 'prod_QXg1hqf4jFNsqG',
      lookupKey: 'credits_1000',
      trialDays: 14,
    });
  });

  it('prefers metadata trial days over the recurring trial', () => {
    const price = fixturePrice();
    price.recurring = { ...price.recurring!, trial_period_days: 30 };
    expect(toPriceRow(price)?.trialDays).toBe(30);
  });

  it('skips a deleted price', () => {
    expect(toPriceRow({ id: 'price_gone', object: 'price', deleted: true })).toBeNull();
  });
});
