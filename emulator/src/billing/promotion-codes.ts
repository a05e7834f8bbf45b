import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import { invalidRequest, parameterInvalid, resourceMissing } from '../http/stripe-error';
import { newId, randomToken } from '../store/ids';
import type { CouponService } from './coupons';
import type { EmulatorCore } from './emulator-core';

export interface PromotionCodeInput {
  id?: string;
  coupon: string;
  code?: string;
  active?: boolean;
  customer?: string | null;
  expiresAt?: number | null;
  maxRedemptions?: number | null;
  metadata?: Record<string, string>;
  restrictions?: {
    firstTimeTransaction?: boolean;
    minimumAmount?: number;
    minimumAmountCurrency?: string;
  };
}

/** Promotion codes: customer-facing codes for a coupon (this API version: `promotion.coupon`). */
export class PromotionCodeService {
  constructor(
    private readonly core: EmulatorCore,
    private readonly coupons: CouponService,
  ) {}

  private now(): number {
    return this.core.clock.globalNow();
  }

  get(id: string, param = 'id'): Stripe.PromotionCode {
    const code = this.core.state.promotionCodes.get(id);
    if (code === undefined) throw resourceMissing('promotion_code', id, param);
    return code;
  }

  couponIdOf(promotion: Stripe.PromotionCode): string | null {
    const coupon = promotion.promotion.coupon;
    if (coupon === null) return null;
    return typeof coupon === 'string' ? coupon : coupon.id;
  }

  /** Looks a customer-facing code up, case-insensitively as Checkout does. */
  findActive(code: string): Stripe.PromotionCode | undefined {
    const wanted = code.trim().toUpperCase();
    for (const promotion of this.core.state.promotionCodes.values()) {
      if (promotion.code.toUpperCase() === wanted && this.isUsable(promotion)) return promotion;
    }
    return undefined;
  }

  isUsable(promotion: Stripe.PromotionCode): boolean {
    if (!promotion.active) return false;
    if (promotion.expires_at !== null && promotion.expires_at <= this.now()) return false;
    if (promotion.max_redemptions !== null && promotion.times_redeemed >= promotion.max_redemptions)
      return false;
    const couponId = this.couponIdOf(promotion);
    const coupon = couponId === null ? undefined : this.core.state.coupons.get(couponId);
    return coupon !== undefined && coupon.valid;
  }

  /** A promotion code that can be redeemed now, or the error Stripe gives. */
  redeemable(id: string, param: string): Stripe.PromotionCode {
    const promotion = this.get(id, param);
    if (!this.isUsable(promotion))
      throw parameterInvalid(param, 'This promotion code cannot be redeemed.');
    return promotion;
  }

  create(input: PromotionCodeInput): Stripe.PromotionCode {
    const coupon = this.coupons.get(input.coupon, 'promotion[coupon]');
    if (input.customer && !this.core.state.customers.has(input.customer))
      throw resourceMissing('customer', input.customer, 'customer');
    const restrictions = input.restrictions ?? {};
    if (
      (restrictions.minimumAmount === undefined) !==
      (restrictions.minimumAmountCurrency === undefined)
    )
      throw invalidRequest(
        'You must pass both `restrictions[minimum_amount]` and `restrictions[minimum_amount_currency]`.',
        'parameter_missing',
        restrictions.minimumAmount === undefined
          ? 'restrictions[minimum_amount]'
          : 'restrictions[minimum_amount_currency]',
      );
    if (input.expiresAt != null && input.expiresAt <= this.now())
      throw parameterInvalid('expires_at', 'Invalid timestamp: must be in the future.');
    const code = input.code ?? randomToken(8).toUpperCase();
    for (const existing of this.core.state.promotionCodes.values()) {
      if (existing.active && existing.code.toUpperCase() === code.toUpperCase()) {
        throw invalidRequest(
          'An active promotion code with `code` already exists.',
          undefined,
          'code',
        );
      }
    }
    const now = this.now();
    const promotion: Stripe.PromotionCode = {
      id: input.id ?? newId('promo'),
      object: 'promotion_code',
      active: input.active ?? true,
      code,
      created: now,
      customer: input.customer ?? null,
      customer_account: null,
      expires_at: input.expiresAt ?? null,
      livemode: false,
      max_redemptions: input.maxRedemptions ?? null,
      metadata: input.metadata ?? {},
      promotion: { coupon: coupon.id, type: 'coupon' },
      restrictions: {
        first_time_transaction: restrictions.firstTimeTransaction ?? false,
        minimum_amount: restrictions.minimumAmount ?? null,
        minimum_amount_currency: restrictions.minimumAmountCurrency?.toLowerCase() ?? null,
      },
      times_redeemed: 0,
    };
    this.core.state.promotionCodes.put(promotion);
    this.core.events.emit('promotion_code.created', promotion, now);
    return promotion;
  }

  update(
    id: string,
    input: { active?: boolean; metadata?: Record<string, string> },
  ): Stripe.PromotionCode {
    const promotion = this.get(id);
    const before = structuredClone(promotion);
    if (input.active !== undefined) promotion.active = input.active;
    if (input.metadata !== undefined) promotion.metadata = input.metadata;
    const previous = changedAttributes(before, promotion);
    if (Object.keys(previous).length > 0)
      this.core.events.emit('promotion_code.updated', promotion, this.now(), previous);
    return promotion;
  }

  recordRedemption(promotionCodeId: string): void {
    const promotion = this.core.state.promotionCodes.get(promotionCodeId);
    if (promotion !== undefined) promotion.times_redeemed += 1;
  }
}
