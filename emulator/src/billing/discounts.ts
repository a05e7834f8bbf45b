import type Stripe from 'stripe';
import { newId } from '../store/ids';
import { addBillingPeriods } from './billing-periods';
import type { CouponService } from './coupons';
import type { EmulatorCore } from './emulator-core';
import type { PromotionCodeService } from './promotion-codes';

/** A coupon to apply, and the promotion code it came through (if any). */
export interface DiscountChoice {
  couponId: string;
  promotionCodeId: string | null;
}

export interface AppliedDiscount {
  discount: Stripe.Discount;
  coupon: Stripe.Coupon;
}

/** Discounts: which coupon applies to what, how much it takes off, and redemption counting. */
export class DiscountService {
  constructor(
    private readonly core: EmulatorCore,
    readonly coupons: CouponService,
    readonly promotionCodes: PromotionCodeService,
  ) {}

  /** `discounts[0][coupon]` or `discounts[0][promotion_code]`, checked as Stripe checks them. */
  resolve(input: { coupon?: string; promotionCode?: string }, param: string): DiscountChoice {
    if (input.promotionCode !== undefined) {
      const promotion = this.promotionCodes.redeemable(
        input.promotionCode,
        `${param}[promotion_code]`,
      );
      return {
        couponId: this.promotionCodes.couponIdOf(promotion) as string,
        promotionCodeId: promotion.id,
      };
    }
    const coupon = this.coupons.redeemable(input.coupon ?? '', `${param}[coupon]`);
    return { couponId: coupon.id, promotionCodeId: null };
  }

  /** What a coupon takes off an amount. */
  amountOff(coupon: Stripe.Coupon | null, subtotal: number): number {
    if (coupon === null || subtotal <= 0) return 0;
    if (coupon.percent_off !== null) return Math.round((subtotal * coupon.percent_off) / 100);
    return Math.min(subtotal, coupon.amount_off ?? 0);
  }

  recordRedemption(choice: DiscountChoice): void {
    this.coupons.recordRedemption(choice.couponId);
    if (choice.promotionCodeId !== null)
      this.promotionCodes.recordRedemption(choice.promotionCodeId);
  }

  /** A discount on a subscription (counts as a redemption). */
  createForSubscription(
    subscription: Stripe.Subscription,
    choice: DiscountChoice,
    start: number,
    checkoutSession: string | null,
  ): Stripe.Discount {
    const coupon = this.coupons.get(choice.couponId);
    const end =
      coupon.duration === 'repeating' && coupon.duration_in_months !== null
        ? addBillingPeriods(start, 'month', coupon.duration_in_months, 1)
        : null;
    const discount: Stripe.Discount = {
      id: newId('di'),
      object: 'discount',
      checkout_session: checkoutSession,
      customer:
        typeof subscription.customer === 'string'
          ? subscription.customer
          : subscription.customer.id,
      customer_account: null,
      end,
      invoice: null,
      invoice_item: null,
      promotion_code: choice.promotionCodeId,
      source: { coupon: coupon.id, type: 'coupon' },
      start,
      subscription: subscription.id,
      subscription_item: null,
    };
    this.core.state.discounts.put(discount);
    this.recordRedemption(choice);
    return discount;
  }

  /** The subscription discount that applies to an invoice created at `now`, if any. */
  activeOn(subscription: Stripe.Subscription, now: number): AppliedDiscount | null {
    for (const entry of subscription.discounts) {
      const discount = this.core.state.discounts.get(typeof entry === 'string' ? entry : entry.id);
      if (discount === undefined || (discount.end !== null && discount.end <= now)) continue;
      const couponId = discount.source.coupon;
      const coupon =
        couponId === null
          ? undefined
          : this.core.state.coupons.get(typeof couponId === 'string' ? couponId : couponId.id);
      if (coupon !== undefined) return { discount, coupon };
    }
    return null;
  }

  /** A `once` coupon is used up by the first invoice it discounts. */
  consumeOnce(
    subscription: Stripe.Subscription,
    applied: AppliedDiscount | null,
    now: number,
  ): void {
    if (applied === null || applied.coupon.duration !== 'once') return;
    applied.discount.end = now;
    subscription.discounts = subscription.discounts.filter(
      (entry) => (typeof entry === 'string' ? entry : entry.id) !== applied.discount.id,
    );
  }
}
