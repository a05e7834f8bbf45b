import type Stripe from 'stripe';
import { parameterInvalid } from '../http/stripe-error';
import { newId } from '../store/ids';
import { addBillingPeriods } from './billing-periods';
import type { CouponService } from './coupons';
import type { EmulatorCore } from './emulator-core';
import type { InvoiceDraft, InvoiceTotals } from './invoice-builder';
import { taxesOn } from './tax-rates';
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

/** Who is redeeming a promotion code, on what: checked against the code's restrictions. */
export interface RedemptionContext {
  customer: string | null;
  /** The order's amount before discounts, in minor units of `currency`. */
  subtotal: number;
  currency: string;
}

/** A line a coupon may discount: its product and amount. */
export interface DiscountableLine {
  productId: string;
  amount: number;
}

/** What a coupon takes off: in all, and from each line (0 for lines it does not apply to). */
export interface DiscountAllocation {
  total: number;
  shares: number[];
}

function money(amount: number, currency: string): string {
  return `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;
}

/** Discounts: which coupon applies to what, how much it takes off, and redemption rules. */
export class DiscountService {
  constructor(
    private readonly core: EmulatorCore,
    readonly coupons: CouponService,
    readonly promotionCodes: PromotionCodeService,
  ) {}

  /**
   * `discounts[0][coupon]` or `discounts[0][promotion_code]`, checked as Stripe checks them:
   * the coupon still valid, the promotion code active, unexpired, not used up, and its
   * restrictions met by `context` (customer, first-time customers, minimum amount).
   */
  resolve(
    input: { coupon?: string; promotionCode?: string },
    param: string,
    context?: RedemptionContext,
  ): DiscountChoice {
    if (input.promotionCode !== undefined) {
      const codeParam = `${param}[promotion_code]`;
      const promotion = this.promotionCodes.redeemable(input.promotionCode, codeParam);
      if (context !== undefined) this.checkRestrictions(promotion, context, codeParam);
      return {
        couponId: this.promotionCodes.couponIdOf(promotion) as string,
        promotionCodeId: promotion.id,
      };
    }
    const coupon = this.coupons.redeemable(input.coupon ?? '', `${param}[coupon]`);
    return { couponId: coupon.id, promotionCodeId: null };
  }

  /** The restrictions of a promotion code, as Stripe enforces them when it is redeemed. */
  checkRestrictions(
    promotion: Stripe.PromotionCode,
    context: RedemptionContext,
    param: string,
  ): void {
    const restricted = typeof promotion.customer === 'string' ? promotion.customer : null;
    if (restricted !== null && restricted !== context.customer)
      throw parameterInvalid(param, 'This promotion code cannot be redeemed by this customer.');
    const { restrictions } = promotion;
    if (
      restrictions.first_time_transaction &&
      context.customer !== null &&
      this.hasTransacted(context.customer)
    )
      throw parameterInvalid(
        param,
        'This promotion code cannot be redeemed because the associated customer has prior transactions.',
      );
    const minimum = restrictions.minimum_amount;
    const minimumCurrency = restrictions.minimum_amount_currency;
    if (
      minimum !== null &&
      minimumCurrency !== null &&
      (minimumCurrency !== context.currency || context.subtotal < minimum)
    )
      throw parameterInvalid(
        param,
        `This promotion code requires a minimum order amount of ${money(minimum, minimumCurrency)}.`,
      );
  }

  /** A customer with a successful payment or a paid invoice (even of $0) is not a first-time one. */
  private hasTransacted(customerId: string): boolean {
    for (const charge of this.core.state.charges.values())
      if (charge.customer === customerId && charge.paid && charge.captured) return true;
    for (const invoice of this.core.state.invoices.values())
      if (invoice.customer === customerId && invoice.status === 'paid') return true;
    return false;
  }

  /**
   * Spreads a coupon over the lines it applies to (`applies_to.products`, or every line): a
   * percentage of their total, or a fixed amount capped at it; shares are proportional.
   */
  allocate(coupon: Stripe.Coupon | null, lines: readonly DiscountableLine[]): DiscountAllocation {
    const shares = lines.map(() => 0);
    if (coupon === null) return { total: 0, shares };
    const products = this.coupons.appliesTo(coupon.id);
    const eligible = lines
      .map((line, index) => ({ ...line, index }))
      .filter(
        (line) => line.amount > 0 && (products === null || products.includes(line.productId)),
      );
    const subtotal = eligible.reduce((sum, line) => sum + line.amount, 0);
    if (subtotal <= 0) return { total: 0, shares };
    const total =
      coupon.percent_off !== null
        ? Math.round((subtotal * coupon.percent_off) / 100)
        : Math.min(subtotal, coupon.amount_off ?? 0);
    let left = total;
    eligible.forEach((line, position) => {
      const share =
        position === eligible.length - 1 ? left : Math.round((total * line.amount) / subtotal);
      shares[line.index] = share;
      left -= share;
    });
    return { total, shares };
  }

  /**
   * An invoice's totals: its coupon discounts the lines it applies to (not prorations of
   * changes), then its tax rates tax each line net of its discount.
   */
  invoiceTotals(draft: InvoiceDraft): InvoiceTotals {
    const subtotal = draft.lines.reduce((sum, line) => sum + line.amount, 0);
    const { total: discount, shares } = this.allocate(
      draft.coupon,
      draft.lines.map((line) => ({
        productId:
          typeof line.price.product === 'string' ? line.price.product : line.price.product.id,
        amount: (line.discountable ?? !line.proration) ? line.amount : 0,
      })),
    );
    const lineTaxes = draft.lines.map((line, index) =>
      taxesOn(line.amount - shares[index], [
        ...(draft.taxRates ?? []),
        ...(draft.automaticRate == null ? [] : [draft.automaticRate]),
      ]),
    );
    const sum = (inclusive: boolean): number =>
      lineTaxes
        .flat()
        .filter((tax) => tax.rate.inclusive === inclusive)
        .reduce((total, tax) => total + tax.amount, 0);
    const exclusiveTax = sum(false);
    return {
      subtotal,
      discountAmount: discount,
      total: subtotal - discount + exclusiveTax,
      lineDiscounts: shares,
      lineTaxes,
      exclusiveTax,
      inclusiveTax: sum(true),
    };
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
