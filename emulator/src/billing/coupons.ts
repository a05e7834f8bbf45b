import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import {
  invalidRequest,
  parameterInvalid,
  parameterMissing,
  resourceMissing,
} from '../http/stripe-error';
import { randomToken } from '../store/ids';
import type { EmulatorCore } from './emulator-core';

export interface CouponInput {
  id?: string;
  name?: string | null;
  percentOff?: number;
  amountOff?: number;
  currency?: string;
  duration?: Stripe.Coupon.Duration;
  durationInMonths?: number;
  maxRedemptions?: number;
  redeemBy?: number;
  metadata?: Record<string, string>;
  /** Only these products are discounted (`applies_to[products]`). */
  appliesToProducts?: string[];
}

/** Coupons. */
export class CouponService {
  constructor(private readonly core: EmulatorCore) {}

  private now(): number {
    return this.core.clock.globalNow();
  }

  get(id: string, param = 'id'): Stripe.Coupon {
    const coupon = this.core.state.coupons.get(id);
    if (coupon === undefined) throw resourceMissing('coupon', id, param);
    return coupon;
  }

  /** A coupon that can still be redeemed (not used up, not past redeem_by), or Stripe's error. */
  redeemable(id: string, param: string): Stripe.Coupon {
    const coupon = this.get(id, param);
    if (coupon.valid && coupon.redeem_by !== null && coupon.redeem_by <= this.now())
      coupon.valid = false;
    if (!coupon.valid) throw parameterInvalid(param, `Coupon ${coupon.id} is no longer valid.`);
    return coupon;
  }

  /** The products a coupon is limited to, or null when it applies to everything. */
  appliesTo(couponId: string): string[] | null {
    return this.core.state.couponAppliesTo.get(couponId) ?? null;
  }

  create(input: CouponInput): Stripe.Coupon {
    if (input.percentOff === undefined && input.amountOff === undefined) {
      throw invalidRequest(
        'You must pass either `percent_off` or `amount_off`.',
        'parameter_missing',
        'percent_off',
      );
    }
    if (input.amountOff !== undefined && input.currency === undefined) {
      throw invalidRequest(
        'You must pass a `currency` when `amount_off` is used.',
        'parameter_missing',
        'currency',
      );
    }
    if (input.percentOff !== undefined && (input.percentOff <= 0 || input.percentOff > 100)) {
      throw parameterInvalid('percent_off', 'Percent off must be greater than 0 and at most 100.');
    }
    const duration = input.duration ?? 'once';
    if (duration === 'repeating' && input.durationInMonths === undefined)
      throw parameterMissing('duration_in_months');
    (input.appliesToProducts ?? []).forEach((productId, index) => {
      if (!this.core.state.products.has(productId))
        throw resourceMissing('product', productId, `applies_to[products][${index}]`);
    });
    const id = input.id ?? randomToken(8);
    if (this.core.state.coupons.has(id))
      throw invalidRequest('Coupon already exists.', 'resource_already_exists', 'id');
    const now = this.now();
    const coupon: Stripe.Coupon = {
      id,
      object: 'coupon',
      amount_off: input.amountOff ?? null,
      created: now,
      currency: input.currency?.toLowerCase() ?? null,
      duration,
      duration_in_months: duration === 'repeating' ? (input.durationInMonths ?? null) : null,
      livemode: false,
      max_redemptions: input.maxRedemptions ?? null,
      metadata: input.metadata ?? {},
      name: input.name ?? null,
      percent_off: input.percentOff ?? null,
      redeem_by: input.redeemBy ?? null,
      times_redeemed: 0,
      valid: true,
    };
    this.core.state.coupons.put(coupon);
    if (input.appliesToProducts !== undefined)
      this.core.state.couponAppliesTo.set(id, [...input.appliesToProducts]);
    this.core.events.emit('coupon.created', coupon, now);
    return coupon;
  }

  update(
    id: string,
    input: { name?: string | null; metadata?: Record<string, string> },
  ): Stripe.Coupon {
    const coupon = this.get(id);
    const before = structuredClone(coupon);
    if (input.name !== undefined) coupon.name = input.name;
    if (input.metadata !== undefined) coupon.metadata = input.metadata;
    const previous = changedAttributes(before, coupon);
    if (Object.keys(previous).length > 0)
      this.core.events.emit('coupon.updated', coupon, this.now(), previous);
    return coupon;
  }

  delete(id: string): Stripe.DeletedCoupon {
    const coupon = this.get(id);
    coupon.valid = false;
    this.core.state.coupons.delete(id);
    this.core.events.emit('coupon.deleted', coupon, this.now());
    return { id, object: 'coupon', deleted: true };
  }

  /** Counts a redemption, as Stripe does when a discount is applied. */
  recordRedemption(couponId: string): void {
    const coupon = this.core.state.coupons.get(couponId);
    if (coupon === undefined) return;
    coupon.times_redeemed += 1;
    // Used up: Stripe marks the coupon invalid.
    if (coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions)
      coupon.valid = false;
  }
}
