import type Stripe from 'stripe';
import {
  invalidRequest,
  parameterInvalid,
  parameterMissing,
  resourceMissing,
} from '../http/stripe-error';
import { newId, randomToken } from '../store/ids';
import type { CheckoutSessionExtras } from '../store/emulator-state';
import type { CatalogService } from './catalog';
import { cardError, type CustomerService } from './customers';
import type { EmulatorCore } from './emulator-core';
import type { InvoiceService } from './invoices';
import type { PaymentService } from './payments';
import type { SubscriptionService } from './subscriptions';

export type CheckoutUiMode = 'hosted_page' | 'embedded_page' | 'elements' | 'form';

export interface CheckoutSessionInput {
  mode?: Stripe.Checkout.Session.Mode;
  lineItems: { price?: string; quantity?: number }[];
  successUrl?: string;
  cancelUrl?: string;
  returnUrl?: string;
  uiMode?: string;
  redirectOnCompletion?: Stripe.Checkout.Session.RedirectOnCompletion;
  customer?: string;
  customerEmail?: string;
  customerCreation?: Stripe.Checkout.Session.CustomerCreation;
  clientReferenceId?: string;
  metadata?: Record<string, string>;
  subscriptionMetadata?: Record<string, string>;
  trialPeriodDays?: number;
  trialEnd?: number;
  paymentIntentMetadata?: Record<string, string>;
  discounts?: { coupon?: string; promotionCode?: string }[];
  allowPromotionCodes?: boolean;
  expiresAt?: number;
  locale?: Stripe.Checkout.Session.Locale;
}

export interface CheckoutPayment {
  card: string;
  promotionCode?: string;
  email?: string;
  name?: string;
  expMonth?: number;
  expYear?: number;
}

const MIN_EXPIRY_SECONDS = 30 * 60;
const MAX_EXPIRY_SECONDS = 24 * 3600;

/** Accepts the current names and the pre-2026 `hosted`/`embedded`/`custom` ones. */
export function normaliseUiMode(value: string | undefined): CheckoutUiMode {
  switch (value ?? 'hosted_page') {
    case 'hosted':
    case 'hosted_page':
      return 'hosted_page';
    case 'embedded':
    case 'embedded_page':
      return 'embedded_page';
    case 'custom':
    case 'elements':
      return 'elements';
    case 'form':
      return 'form';
    default:
      throw parameterInvalid(
        'ui_mode',
        `Invalid ui_mode: must be one of hosted_page, embedded_page, elements or form`,
      );
  }
}

/** Checkout Sessions: creation with Stripe's validation, completion by card, expiry. */
export class CheckoutService {
  constructor(
    private readonly core: EmulatorCore,
    private readonly catalog: CatalogService,
    private readonly customers: CustomerService,
    private readonly payments: PaymentService,
    private readonly invoices: InvoiceService,
    private readonly subscriptions: SubscriptionService,
  ) {}

  get(id: string, param = 'id'): Stripe.Checkout.Session {
    const session = this.core.state.checkoutSessions.get(id);
    if (session === undefined) throw resourceMissing('checkout.session', id, param);
    return session;
  }

  extras(id: string): CheckoutSessionExtras {
    const extras = this.core.state.checkoutExtras.get(id);
    if (extras === undefined) throw resourceMissing('checkout.session', id);
    return extras;
  }

  private customerId(session: Stripe.Checkout.Session): string | null {
    if (session.customer === null) return null;
    return typeof session.customer === 'string' ? session.customer : session.customer.id;
  }

  nowFor(session: Stripe.Checkout.Session): number {
    return this.customers.nowFor(this.customerId(session));
  }

  create(input: CheckoutSessionInput): Stripe.Checkout.Session {
    if (input.mode === undefined) throw parameterMissing('mode');
    if (input.mode === 'setup')
      throw parameterInvalid('mode', 'The emulator supports `payment` and `subscription` mode.');
    const uiMode = normaliseUiMode(input.uiMode);
    const embedded = uiMode !== 'hosted_page';
    if (embedded) {
      if (input.successUrl !== undefined)
        throw invalidRequest(
          `You may not specify \`success_url\` when \`ui_mode\` is \`${uiMode}\`.`,
          'parameter_invalid',
          'success_url',
        );
      if (input.cancelUrl !== undefined)
        throw invalidRequest(
          `You may not specify \`cancel_url\` when \`ui_mode\` is \`${uiMode}\`.`,
          'parameter_invalid',
          'cancel_url',
        );
      if (input.returnUrl === undefined && input.redirectOnCompletion !== 'never')
        throw parameterMissing('return_url');
    } else if (input.returnUrl !== undefined) {
      throw invalidRequest(
        '`return_url` can only be specified when `ui_mode` is `embedded_page` or `elements`.',
        'parameter_invalid',
        'return_url',
      );
    }
    if (input.customer !== undefined && input.customerEmail !== undefined) {
      throw invalidRequest(
        'You may only specify one of these parameters: customer, customer_email.',
        'parameter_invalid',
      );
    }
    if (input.allowPromotionCodes === true && (input.discounts?.length ?? 0) > 0) {
      throw invalidRequest(
        'You may only specify one of these parameters: allow_promotion_codes, discounts.',
        'parameter_invalid',
      );
    }
    if (
      input.mode === 'payment' &&
      (input.subscriptionMetadata !== undefined ||
        input.trialPeriodDays !== undefined ||
        input.trialEnd !== undefined)
    ) {
      throw invalidRequest(
        'You can not pass `subscription_data` in `payment` mode.',
        'parameter_invalid',
        'subscription_data',
      );
    }
    if (input.mode === 'subscription' && input.paymentIntentMetadata !== undefined) {
      throw invalidRequest(
        'You can not pass `payment_intent_data` in `subscription` mode.',
        'parameter_invalid',
        'payment_intent_data',
      );
    }
    const customer =
      input.customer === undefined ? null : this.customers.get(input.customer, 'customer');
    const now = this.customers.nowFor(customer?.id ?? null);
    if (input.lineItems.length === 0) throw parameterMissing('line_items');
    const prices = input.lineItems.map((item, index) => {
      if (item.price === undefined) throw parameterMissing(`line_items[${index}][price]`);
      const price = this.catalog.getPrice(item.price, `line_items[${index}][price]`);
      if (!price.active)
        throw parameterInvalid(
          `line_items[${index}][price]`,
          `The price \`${price.id}\` is not active.`,
        );
      const quantity = item.quantity ?? 1;
      if (quantity < 1)
        throw parameterInvalid(`line_items[${index}][quantity]`, 'Quantity must be at least 1.');
      return { price, quantity };
    });
    const hasRecurring = prices.some((entry) => entry.price.type === 'recurring');
    if (input.mode === 'subscription' && !hasRecurring) {
      throw invalidRequest(
        'You must provide at least one recurring price in `subscription` mode when using prices.',
        'parameter_invalid',
        'line_items',
      );
    }
    if (input.mode === 'payment' && hasRecurring) {
      throw invalidRequest(
        'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
        'parameter_invalid',
        'line_items',
      );
    }
    const currency = prices[0].price.currency;
    if (prices.some((entry) => entry.price.currency !== currency)) {
      throw invalidRequest(
        'All prices must use the same currency.',
        'parameter_invalid',
        'line_items',
      );
    }
    if (input.trialPeriodDays !== undefined && input.trialPeriodDays < 1) {
      throw parameterInvalid(
        'subscription_data[trial_period_days]',
        'The trial period must be at least 1 day.',
      );
    }
    if (input.trialEnd !== undefined && input.trialEnd < now + 2 * 86_400) {
      throw parameterInvalid(
        'subscription_data[trial_end]',
        '`trial_end` must be at least 48 hours in the future.',
      );
    }
    const expiresAt = input.expiresAt ?? now + MAX_EXPIRY_SECONDS;
    if (expiresAt < now + MIN_EXPIRY_SECONDS || expiresAt > now + MAX_EXPIRY_SECONDS) {
      throw parameterInvalid(
        'expires_at',
        'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.',
      );
    }
    let couponId: string | null = null;
    let promotionCodeId: string | null = null;
    const firstDiscount = input.discounts?.[0];
    if (firstDiscount?.promotionCode !== undefined) {
      const promotion = this.catalog.getPromotionCode(
        firstDiscount.promotionCode,
        'discounts[0][promotion_code]',
      );
      if (!this.catalog.isPromotionCodeUsable(promotion))
        throw parameterInvalid(
          'discounts[0][promotion_code]',
          'This promotion code cannot be redeemed.',
        );
      promotionCodeId = promotion.id;
      couponId = this.catalog.couponIdOf(promotion);
    } else if (firstDiscount?.coupon !== undefined) {
      const coupon = this.catalog.getCoupon(firstDiscount.coupon, 'discounts[0][coupon]');
      if (!coupon.valid)
        throw parameterInvalid('discounts[0][coupon]', `Coupon ${coupon.id} is no longer valid.`);
      couponId = coupon.id;
    }

    const id = `cs_test_${randomToken(58)}`;
    const lineItems: Stripe.LineItem[] = prices.map(({ price, quantity }) => {
      const productId = typeof price.product === 'string' ? price.product : price.product.id;
      const subtotal = (price.unit_amount ?? 0) * quantity;
      return {
        id: newId('li'),
        object: 'item',
        adjustable_quantity: null,
        amount_discount: 0,
        amount_subtotal: subtotal,
        amount_tax: 0,
        amount_total: subtotal,
        currency: price.currency,
        description: this.core.state.products.get(productId)?.name ?? null,
        metadata: {},
        price: structuredClone(price),
        quantity,
      };
    });
    const extras: CheckoutSessionExtras = {
      lineItems,
      prices: prices.map(({ price, quantity }) => ({ price: price.id, quantity })),
      couponId,
      promotionCodeId,
      subscriptionMetadata: input.subscriptionMetadata ?? {},
      paymentIntentMetadata: input.paymentIntentMetadata ?? {},
      trialEnd: input.trialEnd ?? null,
      trialPeriodDays: input.trialPeriodDays ?? null,
    };
    const session: Stripe.Checkout.Session = {
      id,
      object: 'checkout.session',
      adaptive_pricing: { enabled: false },
      after_expiration: null,
      allow_promotion_codes: input.allowPromotionCodes ?? null,
      allowed_payment_method_types: null,
      amount_subtotal: 0,
      amount_total: 0,
      automatic_tax: { enabled: false, liability: null, provider: null, status: null },
      billing_address_collection: null,
      cancel_url: input.cancelUrl ?? null,
      client_reference_id: input.clientReferenceId ?? null,
      client_secret: embedded ? `${id}_secret_${randomToken(24)}` : null,
      collected_information: null,
      consent: null,
      consent_collection: null,
      created: now,
      currency,
      currency_conversion: null,
      custom_fields: [],
      custom_text: {
        after_submit: null,
        shipping_address: null,
        submit: null,
        terms_of_service_acceptance: null,
      },
      customer: customer?.id ?? null,
      customer_account: null,
      customer_creation:
        customer !== null
          ? null
          : (input.customerCreation ?? (input.mode === 'payment' ? 'if_required' : 'always')),
      customer_details:
        customer !== null || input.customerEmail !== undefined
          ? {
              address: null,
              business_name: null,
              email: customer?.email ?? input.customerEmail ?? null,
              individual_name: null,
              name: customer?.name ?? null,
              phone: null,
              tax_exempt: 'none',
              tax_ids: null,
            }
          : null,
      customer_email: input.customerEmail ?? null,
      discounts: couponId === null ? [] : [{ coupon: couponId, promotion_code: promotionCodeId }],
      expires_at: expiresAt,
      integration_identifier: null,
      invoice: null,
      invoice_creation:
        input.mode === 'payment'
          ? {
              enabled: false,
              invoice_data: {
                account_tax_ids: null,
                custom_fields: null,
                description: null,
                footer: null,
                issuer: null,
                metadata: {},
                rendering_options: null,
              },
            }
          : null,
      livemode: false,
      locale: input.locale ?? null,
      managed_payments: null,
      metadata: input.metadata ?? {},
      mode: input.mode,
      origin_context: null,
      payment_intent: null,
      payment_link: null,
      payment_method_collection: input.mode === 'subscription' ? 'always' : null,
      payment_method_configuration_details: null,
      payment_method_options: { card: { request_three_d_secure: 'automatic' } },
      payment_method_types: ['card'],
      payment_status: 'unpaid',
      permissions: null,
      phone_number_collection: { enabled: false },
      recovered_from: null,
      saved_payment_method_options: null,
      setup_intent: null,
      shipping_address_collection: null,
      shipping_cost: null,
      shipping_options: [],
      status: 'open',
      submit_type: null,
      subscription: null,
      success_url: input.successUrl ?? null,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      ui_mode: uiMode,
      url: embedded ? null : `${this.core.baseUrl}/checkout/${id}`,
      wallet_options: null,
    };
    if (embedded) {
      session.redirect_on_completion = input.redirectOnCompletion ?? 'always';
      if (input.returnUrl !== undefined) session.return_url = input.returnUrl;
    }
    this.core.state.checkoutSessions.put(session);
    this.core.state.checkoutExtras.set(id, extras);
    this.applyAmounts(session, extras);
    return session;
  }

  private hasTrial(session: Stripe.Checkout.Session, extras: CheckoutSessionExtras): boolean {
    if (session.mode !== 'subscription') return false;
    if (extras.trialEnd !== null || extras.trialPeriodDays !== null) return true;
    return extras.lineItems.some((item) => (item.price?.recurring?.trial_period_days ?? 0) > 0);
  }

  /** Totals as Checkout shows them: discounts included, and 0 due today during a trial. */
  private applyAmounts(session: Stripe.Checkout.Session, extras: CheckoutSessionExtras): void {
    const subtotal = extras.lineItems.reduce((sum, item) => sum + item.amount_subtotal, 0);
    const coupon =
      extras.couponId === null ? null : (this.core.state.coupons.get(extras.couponId) ?? null);
    const discount = this.invoices.discountAmount(coupon, subtotal);
    const trial = this.hasTrial(session, extras);
    session.amount_subtotal = trial ? 0 : subtotal;
    session.amount_total = trial ? 0 : subtotal - discount;
    session.total_details = {
      amount_discount: trial ? 0 : discount,
      amount_shipping: 0,
      amount_tax: 0,
    };
    for (const item of extras.lineItems) {
      const share = subtotal === 0 ? 0 : Math.round((discount * item.amount_subtotal) / subtotal);
      item.amount_discount = trial ? 0 : share;
      item.amount_total = item.amount_subtotal - item.amount_discount;
    }
  }

  /** A session past `expires_at`, or already complete/expired, cannot be paid. */
  assertPayable(session: Stripe.Checkout.Session): void {
    if (session.status === 'complete')
      throw invalidRequest(
        'This Checkout Session is no longer active: it has already been completed.',
        'checkout_session_complete',
      );
    if (session.status === 'expired' || session.expires_at <= this.nowFor(session)) {
      throw invalidRequest(
        'This Checkout Session is no longer active: it has expired.',
        'session_expired',
      );
    }
  }

  /**
   * Pays a session with a test card, as the hosted page does. A declining card throws a card
   * error before anything is created, so a decline leaves no trace but the error.
   */
  complete(id: string, payment: CheckoutPayment): Stripe.Checkout.Session {
    const session = this.get(id);
    this.assertPayable(session);
    const extras = this.extras(id);
    if (payment.promotionCode !== undefined && payment.promotionCode.trim() !== '') {
      if (session.allow_promotion_codes !== true && extras.couponId === null) {
        throw invalidRequest(
          'Promotion codes are not enabled for this Checkout Session.',
          'parameter_invalid',
          'promotion_code',
        );
      }
      const promotion = this.catalog.findActivePromotionCode(payment.promotionCode);
      if (promotion === undefined)
        throw invalidRequest('This code is invalid.', 'promotion_code_invalid', 'promotion_code');
      extras.promotionCodeId = promotion.id;
      extras.couponId = this.catalog.couponIdOf(promotion);
      session.discounts = [{ coupon: extras.couponId, promotion_code: promotion.id }];
      this.applyAmounts(session, extras);
    }
    const card = this.customers.resolveCard(payment.card);
    if (card.declineCode !== null) throw cardError(card.declineCode);
    const dueNow = session.amount_total ?? 0;
    if (card.failsLaterCharges && dueNow > 0) throw cardError('generic_decline');

    let customerId = this.customerId(session);
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
    const method = this.customers.createCardPaymentMethod(card, {
      expMonth: payment.expMonth,
      expYear: payment.expYear,
      email,
      name: payment.name ?? null,
    });
    if (customerId !== null) {
      this.customers.attachPaymentMethod(method.id, customerId);
      const customer = this.customers.get(customerId);
      if (customer.invoice_settings.default_payment_method === null) {
        this.customers.update(customerId, { defaultPaymentMethod: method.id });
      }
    }
    const now = this.customers.nowFor(customerId);
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
        couponId: extras.couponId,
        promotionCodeId: extras.promotionCodeId,
        checkoutSession: session.id,
      });
      session.subscription = subscription.id;
      session.invoice =
        typeof subscription.latest_invoice === 'string' ? subscription.latest_invoice : null;
    } else {
      if (extras.couponId !== null)
        this.catalog.recordRedemption(extras.couponId, extras.promotionCodeId);
      const outcome = this.payments.chargeNow({
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

  private priceTrialDays(extras: CheckoutSessionExtras): number | undefined {
    for (const item of extras.lineItems) {
      const days = item.price?.recurring?.trial_period_days;
      if (days !== null && days !== undefined && days > 0) return days;
    }
    return undefined;
  }

  expire(id: string): Stripe.Checkout.Session {
    const session = this.get(id);
    if (session.status !== 'open') {
      throw invalidRequest(
        `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`,
      );
    }
    this.markExpired(session, this.nowFor(session));
    return session;
  }

  markExpired(session: Stripe.Checkout.Session, now: number): void {
    session.status = 'expired';
    session.url = null;
    this.core.events.emit('checkout.session.expired', session, now);
  }
}
