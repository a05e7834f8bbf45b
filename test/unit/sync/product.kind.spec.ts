import type Stripe from 'stripe';
import {
  featuresFromMetadata,
  isLifetime,
  productKind,
  toProductRow,
} from '../../../src/sync/kinds/product.kind';
import { fixturePrice, fixtureProduct } from '../../support/stripe-fixtures';

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

describe('lifetime and trial metadata', () => {
  it('reads lifetime=true in any case and nothing else', () => {
    expect(isLifetime({ lifetime: 'TRUE' })).toBe(true);
    expect(isLifetime({ lifetime: 'yes' })).toBe(false);
    expect(isLifetime(undefined)).toBe(false);
  });
});

describe('the product kind', () => {
  it('orders a deletion after any other state and hashes equal content equally', () => {
    const live = productKind.map(fixtureProduct());
    const again = productKind.map(fixtureProduct());
    const deleted = productKind.map({
      id: 'prod_QXg1hqf4jFNsqG',
      object: 'product',
      deleted: true,
    });
    expect(live.hash).toBe(again.hash);
    expect(deleted.progress[0]).toBeGreaterThan(live.progress[0]);
    expect(productKind.deletionEvents).toEqual(['product.deleted']);
    expect(productKind.isComplete(fixtureProduct())).toBe(true);
  });
});
