import { p, type ParamShape } from './param-spec';

/** Parameter shapes several resources share. */

/** Stripe's postal address (`address[line1]`, `address[country]`, …), replaced as a whole. */
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

/** `automatic_tax[enabled]`: Stripe Tax, emulated with a fixed rate table (billing/automatic-tax.ts). */
export const AUTOMATIC_TAX = p.object({ enabled: p.boolean().required() });

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
