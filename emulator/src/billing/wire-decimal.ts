import type Stripe from 'stripe';

/**
 * Decimal fields (`unit_amount_decimal`, …) travel as JSON strings; the SDK's types describe
 * them as its `Decimal` class, which the SDK builds when it parses a response. The emulator
 * only ever serialises them, so it stores the wire string under the SDK's type.
 */
export function wireDecimal(value: number | string): Stripe.Decimal {
  return String(value) as unknown as Stripe.Decimal;
}
