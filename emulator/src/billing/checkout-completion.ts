import type Stripe from 'stripe';
import { invalidRequest } from '../http/stripe-error';
import type { CheckoutSessionService } from './checkout-sessions';
import type { CustomerService } from './customers';
import type { DiscountService } from './discounts';
import type { EmulatorCore } from './emulator-core';
import type { CheckoutSessionExtras } from './internal-records';
import type { PaymentIntentService } from './payment-intents';
import { cardError, type PaymentMethodService } from './payment-methods';
import type { SubscriptionService } from './subscriptions';

/** What the buyer enters on the hosted page (or the control API sends for them). */
export interface CheckoutPayment {
  card: string;
  promotionCode?: string;
  email?: string;
  name?: string;
  expMonth?: number;
  expYear?: number;
}

/** Reads the control API's JSON body for completing a session as a buyer would. */
export function parseCheckoutPayment(body: Record<string, unknown>): CheckoutPayment {
  const text = (key: string): string | undefined =>
    typeof body[key] === 'string' ? body[key] : undefined;
  return {
    card: text('card') ?? '4242424242424242',
    promotionCode: text('promotionCode'),
    email: text('email'),
    name: text('name'),
  };
}

/** Paying a Checkout Session, as the hosted page does: customer, card, then subscription or payment. */
export class CheckoutCompletion {
  constructor(
    private readonly core: EmulatorCore,
    private readonly sessions: CheckoutSessionService,
    private readonly customers: CustomerService,
    private readonly paymentMethods: PaymentMethodService,
    private readonly paymentIntents: PaymentIntentService,
    private readonly discounts: DiscountService,
    private readonly subscriptions: SubscriptionService,
  ) {}

  /** A code typed on the page replaces the session's discount, as Checkout's field does. */
  private applyEnteredCode(
    session: Stripe.Checkout.Session,
    extras: CheckoutSessionExtras,
    code: string | undefined,
  ): void {
    if (code === undefined || code.trim() === '') return;
    if (session.allow_promotion_codes !== true && extras.couponId === null)
      throw invalidRequest(
        'Promotion codes are not enabled for this Checkout Session.',
        'parameter_invalid',
        'promotion_code',
      );
    const promotion = this.discounts.promotionCodes.findActive(code);
    if (promotion === undefined)
      throw invalidRequest('This code is invalid.', 'promotion_code_invalid', 'promotion_code');
    const subtotal = extras.lineItems.reduce((sum, item) => sum + item.amount_subtotal, 0);
    this.discounts.checkRestrictions(
      promotion,
      {
        customer: this.sessions.customerId(session),
        subtotal,
        currency: session.currency ?? 'usd',
      },
      'promotion_code',
    );
    const couponId = this.discounts.promotionCodes.couponIdOf(promotion);
    const coupon = couponId === null ? null : (this.core.state.coupons.get(couponId) ?? null);
    const applies = this.discounts.allocate(
      coupon,
      extras.lineItems.map((item) => ({
        productId:
          typeof item.price?.product === 'string'
            ? item.price.product
            : (item.price?.product.id ?? ''),
        amount: item.amount_subtotal,
      })),
    );
    if (applies.total === 0)
      throw invalidRequest(
        "This code isn't valid for the items in this order.",
        'promotion_code_invalid',
        'promotion_code',
      );
    extras.promotionCodeId = promotion.id;
    extras.couponId = this.discounts.promotionCodes.couponIdOf(promotion);
    session.discounts = [{ coupon: extras.couponId, promotion_code: promotion.id }];
    this.sessions.applyAmounts(session, extras);
  }

  private priceTrialDays(extras: CheckoutSessionExtras): number | undefined {
    for (const item of extras.lineItems) {
      const days = item.price?.recurring?.trial_period_days;
      if (days !== null && days !== undefined && days > 0) return days;
    }
    return undefined;
  }

  /**
   * Pays a session with a test card. A declining card throws a card error before anything is
   * created, so a decline leaves no trace but the error.
   */
  complete(id: string, payment: CheckoutPayment): Stripe.Checkout.Session {
    const session = this.sessions.get(id);
    this.sessions.assertPayable(session);
    const extras = this.sessions.extras(id);
    this.applyEnteredCode(session, extras, payment.promotionCode);
    const card = this.paymentMethods.resolveCard(payment.card);
    this.paymentMethods.checkExpiry(payment.expMonth, payment.expYear, this.core.clock.globalNow());
    if (card.declineCode !== null) throw cardError(card.declineCode);
    const dueNow = session.amount_total ?? 0;
    if (card.failsLaterCharges && dueNow > 0) throw cardError('generic_decline');

    let customerId = this.sessions.customerId(session);
    const email =
      session.customer_details?.email ??
      session.customer_email ??
      payment.email ??
      'customer@example.com';
    if (
      customerId === null &&
      (session.mode === 'subscription' || session.customer_creation === 'always')
    ) {
      customerId = this.customers.create({ email, name: payment.name ?? null }).id;
    }
    const method = this.paymentMethods.createCard(card, {
      expMonth: payment.expMonth,
      expYear: payment.expYear,
      billingDetails: { email, name: payment.name ?? null },
    });
    if (customerId !== null) {
      this.paymentMethods.attach(method.id, customerId);
      const customer = this.customers.get(customerId);
      if (customer.invoice_settings.default_payment_method === null) {
        this.customers.update(customerId, { defaultPaymentMethod: method.id });
      }
    }
    const now = this.core.nowFor(customerId);
    const discount =
      extras.couponId === null
        ? null
        : { couponId: extras.couponId, promotionCodeId: extras.promotionCodeId };
    if (session.mode === 'subscription' && customerId !== null) {
      const subscription = this.subscriptions.create({
        customer: customerId,
        items: extras.prices.filter(
          (entry) => this.core.state.prices.get(entry.price)?.type === 'recurring',
        ),
        defaultPaymentMethod: method.id,
        trialEnd: extras.trialEnd ?? undefined,
        trialPeriodDays: extras.trialPeriodDays ?? this.priceTrialDays(extras),
        metadata: extras.subscriptionMetadata,
        discount,
        checkoutSession: session.id,
      });
      session.subscription = subscription.id;
      session.invoice =
        typeof subscription.latest_invoice === 'string' ? subscription.latest_invoice : null;
    } else {
      if (discount !== null) this.discounts.recordRedemption(discount);
      const outcome = this.paymentIntents.chargeNow({
        customer: customerId,
        paymentMethod: method.id,
        amount: dueNow,
        currency: session.currency ?? 'usd',
        description: null,
        metadata: extras.paymentIntentMetadata,
        receiptEmail: email,
      });
      if (outcome.declineCode !== null) throw cardError(outcome.declineCode);
      session.payment_intent = outcome.paymentIntent.id;
    }
    session.customer = customerId;
    session.customer_details = {
      address: {
        city: null,
        country: 'US',
        line1: null,
        line2: null,
        postal_code: null,
        state: null,
      },
      business_name: null,
      email,
      individual_name: null,
      name: payment.name ?? null,
      phone: null,
      tax_exempt: 'none',
      tax_ids: [],
    };
    session.status = 'complete';
    // Stripe only shows the URL while the session can still be paid.
    session.url = null;
    session.payment_status = dueNow === 0 ? 'no_payment_required' : 'paid';
    session.collected_information = {
      business_name: null,
      individual_name: null,
      shipping_details: null,
    };
    this.core.events.emit('checkout.session.completed', session, now);
    return session;
  }
}
