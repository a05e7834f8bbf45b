/**
 * What a price's and its product's Stripe metadata say about how it is sold, beyond Stripe's own
 * fields. The keys are documented in docs/configuration.md ("Catalog metadata"); a price's own
 * metadata wins over its product's.
 */

type Metadata = Record<string, string>;

export const SEAT_KEYS = { perSeat: 'per_seat', min: 'seats_min', max: 'seats_max' } as const;
export const ADD_ON_KEY = 'addon';

/** Seats a per-seat price allows when its metadata says nothing else (the service's old cap). */
export const DEFAULT_MAX_SEATS = 100;
/** The most seats `seats_max` may allow: well inside Stripe's integer quantity. */
export const SEATS_CEILING = 1_000_000;

export type BillingScheme = 'flat' | 'per_seat';

export interface SeatBounds {
  min: number;
  max: number;
}

export const metadataOf = (value: unknown): Metadata =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.fromEntries(
        Object.entries(value as Record<string, unknown>).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string',
        ),
      )
    : {};

function lookup(key: string, price: Metadata, product: Metadata): string | undefined {
  return price[key] ?? product[key];
}

function positiveInt(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,7}$/.test(text.trim())) return null;
  const value = Number(text.trim());
  return value >= 1 ? value : null;
}

export function billingSchemeOf(price: unknown, product: unknown): BillingScheme {
  return lookup(SEAT_KEYS.perSeat, metadataOf(price), metadataOf(product)) === 'true'
    ? 'per_seat'
    : 'flat';
}

/**
 * The seats a per-seat price may be bought with: `seats_min` (default 1) to `seats_max`
 * (default 100, at most 1,000,000); null for a flat price. Unreadable values fall back to the
 * defaults rather than making the price unsellable; a minimum above the maximum is raised to it.
 */
export function seatBoundsOf(price: unknown, product: unknown): SeatBounds | null {
  const priceMeta = metadataOf(price);
  const productMeta = metadataOf(product);
  if (billingSchemeOf(priceMeta, productMeta) !== 'per_seat') return null;
  const max = Math.min(
    positiveInt(lookup(SEAT_KEYS.max, priceMeta, productMeta)) ?? DEFAULT_MAX_SEATS,
    SEATS_CEILING,
  );
  const min = Math.min(positiveInt(lookup(SEAT_KEYS.min, priceMeta, productMeta)) ?? 1, max);
  return { min, max };
}

/** A product sold beside a plan, as an extra item of the same subscription. */
export function isAddOn(product: unknown): boolean {
  return metadataOf(product)[ADD_ON_KEY] === 'true';
}

export const TRIAL_WITHOUT_CARD_KEY = 'trial_without_card';

/**
 * Whether a trial of this price starts without a card, and what its end does with none on file:
 * the price's (else its product's) metadata `trial_without_card` = `off`, `pause` or `cancel`,
 * else the service's `TRIAL_WITHOUT_CARD`. An unreadable value falls back to the setting rather
 * than making the price unsellable.
 */
export function trialWithoutCardOf<T extends string>(
  price: unknown,
  product: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = lookup(TRIAL_WITHOUT_CARD_KEY, metadataOf(price), metadataOf(product))?.trim();
  return value !== undefined && (allowed as readonly string[]).includes(value)
    ? (value as T)
    : fallback;
}
