import { priceKind, toPriceRow, trialDaysFromMetadata } from '../../../src/sync/kinds/price.kind';
import { fixturePrice, fixtureProduct } from '../../support/stripe-fixtures';

const context = { account: null, bounds: { from: 0, until: 1 }, eventCreated: null };

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
    expect(toPriceRow(price).trialDays).toBe(30);
  });

  it('marks a deleted price deleted rather than mapping it', () => {
    const mapped = priceKind.map({ id: 'price_gone', object: 'price', deleted: true });
    expect(mapped.row).toEqual({ id: 'price_gone', deleted: true });
    expect(priceKind.write(mapped.row, context)).toHaveLength(1);
  });

  it('reads a whole number of trial days only', () => {
    expect(trialDaysFromMetadata({ trial_days: '14' })).toBe(14);
    expect(trialDaysFromMetadata({ trial_days: '-1' })).toBeNull();
    expect(trialDaysFromMetadata({ trial_days: 'two' })).toBeNull();
    expect(trialDaysFromMetadata({})).toBeNull();
  });

  it('needs its product in the catalog first, and serialises on the catalog', () => {
    const mapped = priceKind.map(fixturePrice());
    expect(mapped.dependencies).toEqual([{ kind: 'product', id: 'prod_QXg1hqf4jFNsqG' }]);
    expect(priceKind.lockKeyOf(fixturePrice())).toBe('catalog');
    expect(priceKind.eventTypes).toEqual(['price.created', 'price.updated', 'price.deleted']);
  });
});
