import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Stripe from 'stripe';

interface FixtureFile {
  resources: Record<string, unknown>;
}

const fixtures = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'stripe-fixtures.json'), 'utf8'),
) as FixtureFile;

/** A deep copy of one of Stripe's own example objects, optionally with fields changed. */
export function stripeFixture<T>(name: string, overrides: Partial<T> = {}): T {
  const object = fixtures.resources[name];
  if (object === undefined) throw new Error(`no Stripe fixture named ${name}`);
  return { ...(structuredClone(object) as T), ...overrides };
}

export const fixtureProduct = (overrides: Partial<Stripe.Product> = {}): Stripe.Product =>
  stripeFixture<Stripe.Product>('product', overrides);
export const fixturePrice = (overrides: Partial<Stripe.Price> = {}): Stripe.Price =>
  stripeFixture<Stripe.Price>('price', overrides);
