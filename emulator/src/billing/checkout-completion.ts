import type Stripe from 'stripe';
import { invalidRequest } from '../http/stripe-error';
import type { CheckoutInvoices } from './checkout-invoice';
import type { CheckoutSessionService } from './checkout-sessions';
import { toAddress, type AddressInput, type CustomerService } from './customers';
import type { DiscountChoice, DiscountService } from './discounts';
import type { EmulatorCore } from './emulator-core';
import type { CheckoutSessionExtras } from './internal-records';
import type { PaymentIntentService } from './payment-intents';
import { cardError, type PaymentMethodService } from './payment-methods';
import type { TestCard } from './test-cards';
import { isTaxLocation } from './automatic-tax';
import type { TaxIdService } from './tax-ids';
import { newId, randomToken } from '../store/ids';

const NO_ADDRESS = toAddress({});
import type { SubscriptionService } from './subscriptions';

/** What the buyer enters on the hosted page (or the control API sends for them). */
export interface CheckoutPayment {
  /** A test card number; null when no card is asked for (`payment_method_collection=if_required`). */
  card: string | null;
  promotionCode?: string;
  email?: string;
  name?: string;
  expMonth?: number;
  expYear?: number;
  /** The billing address (required with `billing_address_collection=required`). */
  address?: AddressInput;
  /** With `tax_id_collection`: buying as a business, its legal name and tax id. */
  businessName?: string;
  taxId?: { type: string; value: string };
}

const ADDRESS_KEYS = ['line1', 'line2', 'city', 'state', 'postal_code', 'country'] as const;

/** Reads an address given as JSON or as form fields (`address_line1`, …); empty parts dropped. */
export function parseAddress(source: Record<string, unknown>): AddressInput | undefined {
  const address: AddressInput = {};
  for (const key of ADDRESS_KEYS) {
    const value = source[key];
    if (typeof value === 'string' && value.trim() !== '') address[key] = value.trim();
  }
  return Object.keys(address).length === 0 ? undefined : address;
}

/** Reads the control API's JSON body for completing a session as a buyer would. */
export function parseCheckoutPayment(body: Record<string, unknown>): CheckoutPayment {
  const text = (key: string): string | undefined =>
    typeof body[key] === 'string' ? body[key] : undefined;
  const address = body.address;
  return {
    card: body.card === null ? null : (text('card') ?? '4242424242424242'),
    promotionCode: text('promotionCode'),
    email: text('email'),
    name: text('name'),
    address:
      typeof address === 'object' && address !== null
        ? parseAddress(address as Record<string, unknown>)
        : undefined,
    businessName: text('businessName'),
    taxId: parseTaxId(body.taxId),
  };
}

/** A tax id given as `{type, value}` (control API) — anything else is no tax id. */
export function parseTaxId(value: unknown): { type: string; value: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, value: text } = value as Record<string, unknown>;
  if (typeof type !== 'string' || typeof text !== 'string' || text.trim() === '') return undefined;
  return { type, value: text.trim() };
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
    private readonly checkoutInvoices: CheckoutInvoices,
    private readonly taxIds: TaxIdService,
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
    const address = this.billingAddress(session, payment);
    const taxId = this.enteredTaxId(session, payment);
    // Stripe Tax recomputes the totals from the address the buyer entered.
    if (session.automatic_tax.enabled && address !== null) {
      extras.taxAddress = toAddress(address);
      this.sessions.applyAmounts(session, extras);
    }
    const card = this.chosenCard(session, payment);
    const dueNow = session.amount_total ?? 0;

    let customerId = this.sessions.customerId(session);
    const email =
      session.customer_details?.email ??
      session.customer_email ??
      payment.email ??
      'customer@example.com';
    const businessName = taxId === null ? null : payment.businessName?.trim() || null;
    const name = businessName ?? payment.name ?? null;
    if (customerId !== null) this.saveOntoCustomer(customerId, extras, address, businessName);
    if (
      customerId === null &&
      (session.mode === 'subscription' ||
        session.customer_creation === 'always' ||
        // Stripe keeps a guest customer for the invoice; the emulator makes it a real one.
        session.invoice_creation?.enabled === true)
    ) {
      customerId = this.customers.create({ email, name, address: address ?? undefined }).id;
    }
    const method =
      card === null
        ? null
        : this.paymentMethods.createCard(card, {
            expMonth: payment.expMonth,
            expYear: payment.expYear,
            billingDetails: { email, name, address },
          });
    if (customerId !== null && method !== null) {
      this.paymentMethods.attach(method.id, customerId);
      const customer = this.customers.get(customerId);
      // Setup mode only saves the card: which card is the default stays the customer's choice.
      if (session.mode !== 'setup' && customer.invoice_settings.default_payment_method === null) {
        this.customers.update(customerId, { defaultPaymentMethod: method.id });
      }
    }
    if (customerId !== null && taxId !== null)
      this.taxIds.create(customerId, taxId.type, taxId.value);
    const now = this.core.nowFor(customerId);
    if (session.mode === 'setup')
      session.setup_intent = this.saveCard(session, extras, customerId, method?.id ?? null, now);
    else if (session.mode === 'subscription' && customerId !== null)
      this.startSubscription(session, extras, customerId, method?.id ?? null);
    else this.takePayment(session, extras, customerId, method?.id ?? null, dueNow, email);
    session.customer = customerId;
    session.customer_details = {
      address: address === null ? { ...NO_ADDRESS, country: 'US' } : toAddress(address),
      business_name: businessName,
      email,
      individual_name: null,
      name,
      phone: null,
      tax_exempt: 'none',
      tax_ids: taxId === null ? [] : [{ type: taxId.type, value: taxId.value }],
    };
    session.status = 'complete';
    // Stripe only shows the URL while the session can still be paid.
    session.url = null;
    session.payment_status =
      session.mode === 'setup' || dueNow === 0 ? 'no_payment_required' : 'paid';
    session.collected_information = {
      business_name: businessName,
      individual_name: null,
      shipping_details: null,
    };
    this.core.events.emit('checkout.session.completed', session, now);
    return session;
  }

  /**
   * `customer_update`: the address and business name entered are saved onto an existing customer
   * (`customer.updated`), before anything is billed, so the subscription's invoices are taxed by
   * them.
   */
  private saveOntoCustomer(
    customerId: string,
    extras: CheckoutSessionExtras,
    address: AddressInput | null,
    businessName: string | null,
  ): void {
    const update = extras.customerUpdate;
    if (update === undefined) return;
    this.customers.update(customerId, {
      ...(update.address === 'auto' && address !== null ? { address } : {}),
      ...(update.name === 'auto' && businessName !== null ? { name: businessName } : {}),
    });
  }

  /** The tax id entered, checked (format included) before anything is created. */
  private enteredTaxId(
    session: Stripe.Checkout.Session,
    payment: CheckoutPayment,
  ): { type: string; value: string } | null {
    if (payment.taxId === undefined) return null;
    if (session.tax_id_collection?.enabled !== true)
      throw invalidRequest(
        'Tax ID collection is not enabled for this Checkout Session.',
        'parameter_invalid',
        'tax_id',
      );
    if (payment.businessName === undefined || payment.businessName.trim() === '')
      throw invalidRequest(
        'Your business name is incomplete.',
        'parameter_missing',
        'business_name',
      );
    const value = this.taxIds.validate(payment.taxId.type, payment.taxId.value, 'tax_id[value]');
    return { type: payment.taxId.type, value };
  }

  /**
   * The billing address: required in full when the session asks for it; with automatic tax, the
   * parts Stripe Tax needs are required unless the customer already has them.
   */
  private billingAddress(
    session: Stripe.Checkout.Session,
    payment: CheckoutPayment,
  ): AddressInput | null {
    if (session.billing_address_collection !== 'required') {
      if (!session.automatic_tax.enabled) return payment.address ?? null;
      const given = payment.address ?? null;
      const customerId = this.sessions.customerId(session);
      const saved =
        customerId === null ? null : (this.core.state.customers.get(customerId)?.address ?? null);
      if (given === null && isTaxLocation(saved)) return null;
      const needed: (keyof AddressInput)[] =
        given?.country === 'US' || given?.country === 'CA'
          ? ['country', 'postal_code']
          : ['country'];
      for (const key of needed)
        if (given?.[key] === undefined)
          throw invalidRequest(
            'Your billing address is incomplete.',
            'parameter_missing',
            `billing_address[${key}]`,
          );
      return given;
    }
    const address = payment.address ?? {};
    for (const key of ['line1', 'city', 'postal_code', 'country'] as const) {
      if (address[key] === undefined)
        throw invalidRequest(
          'Your billing address is incomplete.',
          'parameter_missing',
          `billing_address[${key}]`,
        );
    }
    return address;
  }

  /**
   * The card the buyer gave, checked before anything is created (a decline or an expired date
   * leaves no trace); null when the session does not ask for one and none was given.
   */
  private chosenCard(session: Stripe.Checkout.Session, payment: CheckoutPayment): TestCard | null {
    if (payment.card === null || payment.card.trim() === '') {
      if (this.sessions.requiresCard(session))
        throw invalidRequest('Your card number is incomplete.', 'incomplete_number', 'card');
      return null;
    }
    const card = this.paymentMethods.resolveCard(payment.card);
    this.paymentMethods.checkExpiry(payment.expMonth, payment.expYear, this.core.clock.globalNow());
    if (card.declineCode !== null) throw cardError(card.declineCode);
    if (card.failsLaterCharges && (session.amount_total ?? 0) > 0)
      throw cardError('generic_decline');
    return card;
  }

  private startSubscription(
    session: Stripe.Checkout.Session,
    extras: CheckoutSessionExtras,
    customerId: string,
    paymentMethod: string | null,
  ): void {
    const subscription = this.subscriptions.create({
      customer: customerId,
      items: extras.prices.filter(
        (entry) => this.core.state.prices.get(entry.price)?.type === 'recurring',
      ),
      defaultPaymentMethod: paymentMethod,
      trialEnd: extras.trialEnd ?? undefined,
      trialPeriodDays: extras.trialPeriodDays ?? this.priceTrialDays(extras),
      metadata: extras.subscriptionMetadata,
      discount: this.discountOf(extras),
      checkoutSession: session.id,
      automaticTax: session.automatic_tax.enabled,
      missingPaymentMethod: extras.missingPaymentMethod ?? undefined,
    });
    session.subscription = subscription.id;
    session.invoice =
      typeof subscription.latest_invoice === 'string' ? subscription.latest_invoice : null;
  }

  private takePayment(
    session: Stripe.Checkout.Session,
    extras: CheckoutSessionExtras,
    customerId: string | null,
    paymentMethod: string | null,
    amount: number,
    email: string,
  ): void {
    const discount = this.discountOf(extras);
    if (discount !== null) this.discounts.recordRedemption(discount);
    const outcome = this.paymentIntents.chargeNow({
      customer: customerId,
      paymentMethod,
      amount,
      currency: session.currency ?? 'usd',
      description: null,
      metadata: extras.paymentIntentMetadata,
      receiptEmail: email,
    });
    if (outcome.declineCode !== null) throw cardError(outcome.declineCode);
    session.payment_intent = outcome.paymentIntent.id;
    if (session.invoice_creation?.enabled === true && customerId !== null)
      session.invoice = this.checkoutInvoices.issue(
        session,
        extras,
        customerId,
        outcome.paymentIntent,
      ).id;
  }

  /**
   * Setup mode: a succeeded SetupIntent for the card (`setup_intent.created`, then
   * `setup_intent.succeeded`); the card is attached to the session's customer, if any.
   */
  private saveCard(
    session: Stripe.Checkout.Session,
    extras: CheckoutSessionExtras,
    customerId: string | null,
    paymentMethod: string | null,
    now: number,
  ): string {
    const id = newId('seti');
    const intent: Stripe.SetupIntent = {
      id,
      object: 'setup_intent',
      allowed_payment_method_types: null,
      application: null,
      automatic_payment_methods: null,
      cancellation_reason: null,
      client_secret: `${id}_secret_${randomToken(24)}`,
      created: now,
      customer: customerId,
      description: extras.setupIntentData?.description ?? null,
      excluded_payment_method_types: null,
      last_setup_error: null,
      latest_attempt: null,
      livemode: false,
      mandate: null,
      metadata: { ...(extras.setupIntentData?.metadata ?? {}) },
      next_action: null,
      on_behalf_of: null,
      payment_method: paymentMethod,
      payment_method_configuration_details: null,
      payment_method_options: {
        card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' },
      },
      payment_method_types: [...session.payment_method_types],
      single_use_mandate: null,
      status: 'requires_payment_method',
      usage: 'off_session',
    };
    this.core.state.setupIntents.put(intent);
    this.core.events.emit('setup_intent.created', intent, now);
    intent.status = 'succeeded';
    this.core.events.emit('setup_intent.succeeded', intent, now);
    return intent.id;
  }

  private discountOf(extras: CheckoutSessionExtras): DiscountChoice | null {
    return extras.couponId === null
      ? null
      : { couponId: extras.couponId, promotionCodeId: extras.promotionCodeId };
  }
}
