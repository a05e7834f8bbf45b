import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import {
  invalidRequest,
  parameterInvalid,
  parameterMissing,
  resourceMissing,
} from '../http/stripe-error';
import { newId, randomToken } from '../store/ids';
import type { EmulatorCore } from './emulator-core';
import { wireDecimal } from './wire-decimal';

export interface ProductInput {
  id?: string;
  name?: string;
  description?: string | null;
  active?: boolean;
  metadata?: Record<string, string>;
  defaultPrice?: string | null;
  defaultPriceData?: Omit<PriceInput, 'product'>;
  images?: string[];
  url?: string | null;
  unitLabel?: string | null;
  statementDescriptor?: string | null;
  taxCode?: string | null;
  marketingFeatures?: string[];
}

export interface PriceInput {
  /** Only the catalog seeder sets ids; Stripe's API does not accept them. */
  id?: string;
  product?: string;
  productData?: { name: string; metadata?: Record<string, string> };
  currency?: string;
  unitAmount?: number;
  active?: boolean;
  nickname?: string | null;
  lookupKey?: string | null;
  transferLookupKey?: boolean;
  metadata?: Record<string, string>;
  recurring?: {
    interval: Stripe.Price.Recurring.Interval;
    intervalCount?: number;
    trialPeriodDays?: number | null;
  } | null;
  taxBehavior?: Stripe.Price.TaxBehavior;
}

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
}

export interface PromotionCodeInput {
  id?: string;
  coupon: string;
  code?: string;
  active?: boolean;
  customer?: string | null;
  expiresAt?: number | null;
  maxRedemptions?: number | null;
  metadata?: Record<string, string>;
}

/** Products, prices, coupons and promotion codes. Seeding goes through here too, so it emits events. */
export class CatalogService {
  constructor(private readonly core: EmulatorCore) {}

  private now(): number {
    return this.core.clock.globalNow();
  }

  getProduct(id: string, param = 'id'): Stripe.Product {
    const product = this.core.state.products.get(id);
    if (product === undefined) throw resourceMissing('product', id, param);
    return product;
  }

  getPrice(id: string, param = 'id'): Stripe.Price {
    const price = this.core.state.prices.get(id);
    if (price === undefined) throw resourceMissing('price', id, param);
    return price;
  }

  getCoupon(id: string, param = 'id'): Stripe.Coupon {
    const coupon = this.core.state.coupons.get(id);
    if (coupon === undefined) throw resourceMissing('coupon', id, param);
    return coupon;
  }

  getPromotionCode(id: string, param = 'id'): Stripe.PromotionCode {
    const code = this.core.state.promotionCodes.get(id);
    if (code === undefined) throw resourceMissing('promotion_code', id, param);
    return code;
  }

  /** Looks a customer-facing code up, case-insensitively as Checkout does. */
  findActivePromotionCode(code: string): Stripe.PromotionCode | undefined {
    const wanted = code.trim().toUpperCase();
    for (const promotion of this.core.state.promotionCodes.values()) {
      if (promotion.code.toUpperCase() === wanted && this.isPromotionCodeUsable(promotion))
        return promotion;
    }
    return undefined;
  }

  isPromotionCodeUsable(promotion: Stripe.PromotionCode): boolean {
    if (!promotion.active) return false;
    if (promotion.expires_at !== null && promotion.expires_at <= this.now()) return false;
    if (promotion.max_redemptions !== null && promotion.times_redeemed >= promotion.max_redemptions)
      return false;
    const couponId = this.couponIdOf(promotion);
    const coupon = couponId === null ? undefined : this.core.state.coupons.get(couponId);
    return coupon !== undefined && coupon.valid;
  }

  couponIdOf(promotion: Stripe.PromotionCode): string | null {
    const coupon = promotion.promotion.coupon;
    if (coupon === null) return null;
    return typeof coupon === 'string' ? coupon : coupon.id;
  }

  createProduct(input: ProductInput): Stripe.Product {
    if (input.name === undefined || input.name === '') throw parameterMissing('name');
    const id = input.id ?? newId('prod', 14);
    if (this.core.state.products.has(id)) {
      throw invalidRequest(`Product already exists.`, 'resource_already_exists', 'id');
    }
    const now = this.now();
    const product: Stripe.Product = {
      id,
      object: 'product',
      active: input.active ?? true,
      created: now,
      default_price: null,
      description: input.description ?? null,
      images: input.images ?? [],
      livemode: false,
      marketing_features: (input.marketingFeatures ?? []).map((name) => ({ name })),
      metadata: input.metadata ?? {},
      name: input.name,
      package_dimensions: null,
      shippable: null,
      statement_descriptor: input.statementDescriptor ?? null,
      tax_code: input.taxCode ?? null,
      tax_details: null,
      type: 'service',
      unit_label: input.unitLabel ?? null,
      updated: now,
      url: input.url ?? null,
    };
    this.core.state.products.put(product);
    this.core.events.emit('product.created', product, now);
    if (input.defaultPriceData !== undefined) {
      const price = this.createPrice({ ...input.defaultPriceData, product: id });
      this.updateProduct(id, { defaultPrice: price.id });
    }
    return product;
  }

  updateProduct(id: string, input: ProductInput): Stripe.Product {
    const product = this.getProduct(id);
    const before = structuredClone(product);
    if (input.name !== undefined) product.name = input.name;
    if (input.description !== undefined) product.description = input.description;
    if (input.active !== undefined) product.active = input.active;
    if (input.metadata !== undefined) product.metadata = input.metadata;
    if (input.images !== undefined) product.images = input.images;
    if (input.url !== undefined) product.url = input.url;
    if (input.unitLabel !== undefined) product.unit_label = input.unitLabel;
    if (input.statementDescriptor !== undefined)
      product.statement_descriptor = input.statementDescriptor;
    if (input.marketingFeatures !== undefined)
      product.marketing_features = input.marketingFeatures.map((name) => ({ name }));
    if (input.defaultPrice !== undefined) {
      if (input.defaultPrice !== null) {
        const price = this.getPrice(input.defaultPrice, 'default_price');
        if (price.product !== id)
          throw parameterInvalid(
            'default_price',
            `The price ${price.id} does not belong to product ${id}.`,
          );
      }
      product.default_price = input.defaultPrice;
    }
    const previous = changedAttributes(before, product);
    if (Object.keys(previous).length > 0) {
      product.updated = Math.max(this.now(), product.updated);
      previous.updated = before.updated;
      this.core.events.emit('product.updated', product, this.now(), previous);
    }
    return product;
  }

  deleteProduct(id: string): Stripe.DeletedProduct {
    const product = this.getProduct(id);
    for (const price of this.core.state.prices.values()) {
      if (price.product === id) {
        throw invalidRequest(
          'This product cannot be deleted because it has one or more user-created prices.',
        );
      }
    }
    this.core.state.products.delete(id);
    this.core.events.emit('product.deleted', product, this.now());
    return { id, object: 'product', deleted: true };
  }

  createPrice(input: PriceInput): Stripe.Price {
    if (input.currency === undefined) throw parameterMissing('currency');
    let productId = input.product;
    if (productId === undefined && input.productData !== undefined) {
      productId = this.createProduct({
        name: input.productData.name,
        metadata: input.productData.metadata,
      }).id;
    }
    if (productId === undefined) throw parameterMissing('product');
    this.getProduct(productId, 'product');
    if (input.unitAmount === undefined) throw parameterMissing('unit_amount');
    if (input.unitAmount < 0)
      throw parameterInvalid('unit_amount', 'This value must be greater than or equal to 0.');
    const id = input.id ?? newId('price');
    if (this.core.state.prices.has(id))
      throw invalidRequest('Price already exists.', 'resource_already_exists', 'id');
    const now = this.now();
    if (input.lookupKey) this.releaseLookupKey(input.lookupKey, input.transferLookupKey === true);
    const recurring = input.recurring ?? null;
    const price: Stripe.Price = {
      id,
      object: 'price',
      active: input.active ?? true,
      billing_scheme: 'per_unit',
      created: now,
      currency: input.currency.toLowerCase(),
      custom_unit_amount: null,
      livemode: false,
      lookup_key: input.lookupKey ?? null,
      metadata: input.metadata ?? {},
      nickname: input.nickname ?? null,
      product: productId,
      recurring:
        recurring === null
          ? null
          : {
              interval: recurring.interval,
              interval_count: recurring.intervalCount ?? 1,
              meter: null,
              trial_period_days: recurring.trialPeriodDays ?? null,
              usage_type: 'licensed',
            },
      tax_behavior: input.taxBehavior ?? 'unspecified',
      tiers_mode: null,
      transform_quantity: null,
      type: recurring === null ? 'one_time' : 'recurring',
      unit_amount: input.unitAmount,
      unit_amount_decimal: wireDecimal(input.unitAmount),
    };
    this.core.state.prices.put(price);
    this.core.events.emit('price.created', price, now);
    return price;
  }

  /** A lookup key belongs to one price; `transfer_lookup_key` moves it, otherwise reuse is an error. */
  private releaseLookupKey(lookupKey: string, transfer: boolean): void {
    for (const other of this.core.state.prices.values()) {
      if (other.lookup_key !== lookupKey) continue;
      if (!transfer) {
        throw invalidRequest(
          `A price (\`${other.id}\`) already uses that lookup key. Specify \`transfer_lookup_key\` to transfer it to this price.`,
          undefined,
          'lookup_key',
        );
      }
      const before = structuredClone(other);
      other.lookup_key = null;
      this.core.events.emit('price.updated', other, this.now(), changedAttributes(before, other));
    }
  }

  updatePrice(id: string, input: PriceInput): Stripe.Price {
    const price = this.getPrice(id);
    const before = structuredClone(price);
    if (input.active !== undefined) price.active = input.active;
    if (input.nickname !== undefined) price.nickname = input.nickname;
    if (input.metadata !== undefined) price.metadata = input.metadata;
    if (input.taxBehavior !== undefined) price.tax_behavior = input.taxBehavior;
    if (input.lookupKey !== undefined && input.lookupKey !== price.lookup_key) {
      if (input.lookupKey !== null)
        this.releaseLookupKey(input.lookupKey, input.transferLookupKey === true);
      price.lookup_key = input.lookupKey;
    }
    const previous = changedAttributes(before, price);
    if (Object.keys(previous).length > 0)
      this.core.events.emit('price.updated', price, this.now(), previous);
    return price;
  }

  createCoupon(input: CouponInput): Stripe.Coupon {
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
    this.core.events.emit('coupon.created', coupon, now);
    return coupon;
  }

  updateCoupon(
    id: string,
    input: { name?: string | null; metadata?: Record<string, string> },
  ): Stripe.Coupon {
    const coupon = this.getCoupon(id);
    const before = structuredClone(coupon);
    if (input.name !== undefined) coupon.name = input.name;
    if (input.metadata !== undefined) coupon.metadata = input.metadata;
    const previous = changedAttributes(before, coupon);
    if (Object.keys(previous).length > 0)
      this.core.events.emit('coupon.updated', coupon, this.now(), previous);
    return coupon;
  }

  deleteCoupon(id: string): Stripe.DeletedCoupon {
    const coupon = this.getCoupon(id);
    coupon.valid = false;
    this.core.state.coupons.delete(id);
    this.core.events.emit('coupon.deleted', coupon, this.now());
    return { id, object: 'coupon', deleted: true };
  }

  createPromotionCode(input: PromotionCodeInput): Stripe.PromotionCode {
    const coupon = this.getCoupon(input.coupon, 'promotion[coupon]');
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
        first_time_transaction: false,
        minimum_amount: null,
        minimum_amount_currency: null,
      },
      times_redeemed: 0,
    };
    this.core.state.promotionCodes.put(promotion);
    this.core.events.emit('promotion_code.created', promotion, now);
    return promotion;
  }

  updatePromotionCode(
    id: string,
    input: { active?: boolean; metadata?: Record<string, string> },
  ): Stripe.PromotionCode {
    const promotion = this.getPromotionCode(id);
    const before = structuredClone(promotion);
    if (input.active !== undefined) promotion.active = input.active;
    if (input.metadata !== undefined) promotion.metadata = input.metadata;
    const previous = changedAttributes(before, promotion);
    if (Object.keys(previous).length > 0)
      this.core.events.emit('promotion_code.updated', promotion, this.now(), previous);
    return promotion;
  }

  /** Counts a redemption on the coupon and promotion code, as Stripe does when a discount is applied. */
  recordRedemption(couponId: string, promotionCodeId: string | null): void {
    const coupon = this.core.state.coupons.get(couponId);
    if (coupon !== undefined) coupon.times_redeemed += 1;
    if (promotionCodeId !== null) {
      const promotion = this.core.state.promotionCodes.get(promotionCodeId);
      if (promotion !== undefined) promotion.times_redeemed += 1;
    }
  }
}
