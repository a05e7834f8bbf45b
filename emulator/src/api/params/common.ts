import type { RequestParams } from '../../http/request-params';
import { parameterInvalid } from '../../http/stripe-error';
import { p, type ParamShape } from './param-spec';

/** Parameter shapes several resources share. */

/** Stripe's postal address (`address[line1]`, `address[country]`, …). */
export const ADDRESS = p.object({
  city: p.string(),
  country: p.string(),
  line1: p.string(),
  line2: p.string(),
  postal_code: p.string(),
  state: p.string(),
});

export const SHIPPING = p.object({
  address: ADDRESS.required(),
  name: p.string().required(),
  phone: p.string(),
});

/**
 * `automatic_tax[enabled]`: Stripe Tax is not emulated, so only `false` (the default, which the
 * emulator honours) is accepted; see `refuseAutomaticTax`.
 */
export const AUTOMATIC_TAX = p.object({ enabled: p.boolean().required() });

export function refuseAutomaticTax(params: RequestParams): void {
  if (params.object('automatic_tax')?.boolean('enabled') === true)
    throw parameterInvalid(
      'automatic_tax[enabled]',
      'automatic_tax[enabled]=true (Stripe Tax) is not implemented by the Stripe emulator; use tax rates (default_tax_rates).',
    );
}

export const CREATED_FILTER: ParamShape = { created: p.range() };

/** Stripe's list of discounts: `discounts[0][coupon]` or `discounts[0][promotion_code]`. */
export const DISCOUNTS = p
  .list(p.object({ coupon: p.string(), promotion_code: p.string() }))
  .unsettable();

export const CANCELLATION_DETAILS = p.object({
  comment: p.string().unsettable(),
  feedback: p
    .enum([
      'customer_service',
      'low_quality',
      'missing_features',
      'other',
      'switched_service',
      'too_complex',
      'too_expensive',
      'unused',
    ])
    .unsettable(),
});
