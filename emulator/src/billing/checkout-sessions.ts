import type Stripe from 'stripe';
import {
  invalidRequest,
  parameterInvalid,
  parameterMissing,
  resourceMissing,
} from '../http/stripe-error';
import { newId } from '../store/ids';
import { isTaxLocation, type AutomaticTaxService } from './automatic-tax';
import { buildCheckoutSession, type CheckoutUiMode } from './checkout-session-builder';
import type { CustomerService } from './customers';
import type { DiscountChoice, DiscountService } from './discounts';
import type { EmulatorCore } from './emulator-core';
import type { CheckoutSessionExtras } from './internal-records';
import type { PriceService } from './prices';
import { taxesOn } from './tax-rates';

export type { CheckoutUiMode } from './checkout-session-builder';

export interface CheckoutSessionInput {
  mode: 'payment' | 'subscription' | 'setup';
  /** `allowed_payment_method_types`: the types offered (the emulator implements `card`). */
  allowedPaymentMethodTypes?: string[];
  /** Setup mode: the currency of the payments the saved card is for (no line items to say it). */
  currency?: string;
  /** Setup mode: the SetupIntent's description and metadata. */
  setupIntentData?: { description?: string; metadata?: Record<string, string> };
  lineItems: { price: string; quantity?: number }[];
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
  /** `if_required`: no card is asked for when nothing is due (a trial, a 100 % coupon). */
  paymentMethodCollection?: Stripe.Checkout.Session.PaymentMethodCollection;
  /** `required`: the buyer must give a full billing address. */
  billingAddressCollection?: Stripe.Checkout.Session.BillingAddressCollection;
  /** `automatic_tax[enabled]`: Stripe Tax (emulated) taxes the purchase by the buyer's address. */
  automaticTax?: boolean;
  /** `tax_id_collection[enabled]`: the buyer may give a business name and tax id. */
  taxIdCollection?: boolean;
  /** `customer_update`: what Checkout saves onto an existing customer. */
  customerUpdate?: {
    address?: 'auto' | 'never';
    name?: 'auto' | 'never';
  };
  /** `invoice_creation`: a paid invoice for a `payment`-mode purchase (a receipt to download). */
  invoiceCreation?: {
    enabled: boolean;
    description?: string;
    footer?: string;
    metadata?: Record<string, string>;
  };
  /** What a trial ending without a card does (`subscription_data[trial_settings]`). */
  missingPaymentMethod?: Stripe.Subscription.TrialSettings.EndBehavior.MissingPaymentMethod;
}

const MIN_EXPIRY_SECONDS = 30 * 60;
const MAX_EXPIRY_SECONDS = 24 * 3600;
const MIN_TRIAL_END_SECONDS = 2 * 86_400;

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
    default:
      return 'form';
  }
}

/** The URL rules of each UI mode: hosted pages redirect, embedded ones return. */
function checkUrls(input: CheckoutSessionInput, uiMode: CheckoutUiMode): void {
  if (uiMode === 'hosted_page') {
    if (input.returnUrl !== undefined)
      throw invalidRequest(
        '`return_url` can only be specified when `ui_mode` is `embedded_page` or `elements`.',
        'parameter_invalid',
        'return_url',
      );
    return;
  }
  for (const [value, param] of [
    [input.successUrl, 'success_url'],
    [input.cancelUrl, 'cancel_url'],
  ] as const) {
    if (value !== undefined)
      throw invalidRequest(
        `You may not specify \`${param}\` when \`ui_mode\` is \`${uiMode}\`.`,
        'parameter_invalid',
        param,
      );
  }
  if (input.returnUrl === undefined && input.redirectOnCompletion !== 'never')
    throw parameterMissing('return_url');
}

/**
 * Setup mode saves a card for later: nothing is bought, so there are no line items, discounts or
 * payment data, and the currency must be given.
 */
function checkSetupMode(input: CheckoutSessionInput): void {
  if (input.lineItems.length > 0)
    throw invalidRequest(
      'You can not pass `line_items` in `setup` mode.',
      'parameter_invalid',
      'line_items',
    );
  // Stripe needs the currency only to work out which payment methods to offer.
  if (input.currency === undefined && input.allowedPaymentMethodTypes === undefined)
    throw parameterMissing('currency');
  for (const [present, param] of [
    [(input.discounts?.length ?? 0) > 0, 'discounts'],
    [input.allowPromotionCodes !== undefined, 'allow_promotion_codes'],
    [input.paymentIntentMetadata !== undefined, 'payment_intent_data'],
    [input.customerCreation !== undefined, 'customer_creation'],
  ] as const) {
    if (present)
      throw invalidRequest(
        `You can not pass \`${param}\` in \`setup\` mode.`,
        'parameter_invalid',
        param,
      );
  }
}

/** Parameters that exclude each other or belong to the other mode. */
function checkCombinations(input: CheckoutSessionInput): void {
  if (input.customer !== undefined && input.customerEmail !== undefined)
    throw invalidRequest(
      'You may only specify one of these parameters: customer, customer_email.',
      'parameter_invalid',
    );
  if (input.allowPromotionCodes === true && (input.discounts?.length ?? 0) > 0)
    throw invalidRequest(
      'You may only specify one of these parameters: allow_promotion_codes, discounts.',
      'parameter_invalid',
    );
  if (input.customerUpdate !== undefined && input.customer === undefined)
    throw invalidRequest(
      '`customer_update` can only be used with `customer`.',
      'parameter_invalid',
      'customer_update',
    );
  if (input.mode === 'setup' && input.automaticTax === true)
    throw invalidRequest(
      '`automatic_tax` cannot be used in `setup` mode.',
      'parameter_invalid',
      'automatic_tax',
    );
  if (input.mode === 'setup') checkSetupMode(input);
  else if (input.setupIntentData !== undefined)
    throw invalidRequest(
      '`setup_intent_data` can only be used in `setup` mode.',
      'parameter_invalid',
      'setup_intent_data',
    );
  if (
    input.mode !== 'subscription' &&
    (input.subscriptionMetadata !== undefined ||
      input.trialPeriodDays !== undefined ||
      input.trialEnd !== undefined)
  )
    throw invalidRequest(
      'You can not pass `subscription_data` in `payment` mode.',
      'parameter_invalid',
      'subscription_data',
    );
  if (input.mode !== 'subscription' && input.paymentMethodCollection !== undefined)
    throw invalidRequest(
      '`payment_method_collection` can only be used in `subscription` mode.',
      'parameter_invalid',
      'payment_method_collection',
    );
  if (input.mode !== 'payment' && input.invoiceCreation !== undefined)
    throw invalidRequest(
      '`invoice_creation` can only be used in `payment` mode.',
      'parameter_invalid',
      'invoice_creation',
    );
  if (input.mode === 'subscription' && input.paymentIntentMetadata !== undefined)
    throw invalidRequest(
      'You can not pass `payment_intent_data` in `subscription` mode.',
      'parameter_invalid',
      'payment_intent_data',
    );
}

/** Checkout Sessions: creation with Stripe's validation, amounts, expiry. Paying is `CheckoutCompletion`. */
export class CheckoutSessionService {
  constructor(
    private readonly core: EmulatorCore,
    private readonly prices: PriceService,
    private readonly customers: CustomerService,
    private readonly discounts: DiscountService,
    private readonly automaticTax: AutomaticTaxService,
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

  customerId(session: Stripe.Checkout.Session): string | null {
    if (session.customer === null) return null;
    return typeof session.customer === 'string' ? session.customer : session.customer.id;
  }

  nowFor(session: Stripe.Checkout.Session): number {
    return this.core.nowFor(this.customerId(session));
  }

  /** Line items' prices: active, one currency, and matching the mode. */
  private resolveLineItems(
    input: CheckoutSessionInput,
  ): { price: Stripe.Price; quantity: number }[] {
    if (input.mode === 'setup') return [];
    if (input.lineItems.length === 0) throw parameterMissing('line_items');
    const items = input.lineItems.map((item, index) => {
      const param = `line_items[${index}]`;
      const price = this.prices.get(item.price, `${param}[price]`);
      if (!price.active)
        throw parameterInvalid(`${param}[price]`, `The price \`${price.id}\` is not active.`);
      const quantity = item.quantity ?? 1;
      if (quantity < 1)
        throw parameterInvalid(`${param}[quantity]`, 'Quantity must be at least 1.');
      return { price, quantity };
    });
    const hasRecurring = items.some((entry) => entry.price.type === 'recurring');
    if (input.mode === 'subscription' && !hasRecurring)
      throw invalidRequest(
        'You must provide at least one recurring price in `subscription` mode when using prices.',
        'parameter_invalid',
        'line_items',
      );
    if (input.mode === 'payment' && hasRecurring)
      throw invalidRequest(
        'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
        'parameter_invalid',
        'line_items',
      );
    if (items.some((entry) => entry.price.currency !== items[0].price.currency))
      throw invalidRequest(
        'All prices must use the same currency.',
        'parameter_invalid',
        'line_items',
      );
    return items;
  }

  private checkTrial(input: CheckoutSessionInput, now: number): void {
    if (input.trialPeriodDays !== undefined && input.trialPeriodDays < 1)
      throw parameterInvalid(
        'subscription_data[trial_period_days]',
        'The trial period must be at least 1 day.',
      );
    if (input.trialEnd !== undefined && input.trialEnd < now + MIN_TRIAL_END_SECONDS)
      throw parameterInvalid(
        'subscription_data[trial_end]',
        '`trial_end` must be at least 48 hours in the future.',
      );
  }

  private expiresAt(input: CheckoutSessionInput, now: number): number {
    const expiresAt = input.expiresAt ?? now + MAX_EXPIRY_SECONDS;
    if (expiresAt < now + MIN_EXPIRY_SECONDS || expiresAt > now + MAX_EXPIRY_SECONDS)
      throw parameterInvalid(
        'expires_at',
        'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.',
      );
    return expiresAt;
  }

  /**
   * Stripe's rules for an existing customer: automatic tax needs an address it can use, or leave
   * to save the one the buyer enters (`customer_update[address|shipping]=auto`); collecting a tax
   * id saves the business name, which needs `customer_update[name]=auto`.
   */
  private checkCustomerUpdate(input: CheckoutSessionInput, customer: Stripe.Customer): void {
    const update = input.customerUpdate ?? {};
    if (
      input.automaticTax === true &&
      !isTaxLocation(customer.address) &&
      update.address !== 'auto'
    )
      throw invalidRequest(
        "Automatic tax calculation in Checkout requires a valid address on the Customer. Add a valid address to the Customer or set either 'customer_update[address]' or 'customer_update[shipping]' to 'auto' to save the address entered in Checkout to the Customer.",
        'parameter_invalid',
        'customer_update[address]',
      );
    if (input.taxIdCollection === true && update.name !== 'auto')
      throw invalidRequest(
        "Tax ID collection with an existing Customer requires 'customer_update[name]' to be 'auto', so that the business name entered in Checkout is saved to the Customer.",
        'parameter_invalid',
        'customer_update[name]',
      );
  }

  create(input: CheckoutSessionInput): Stripe.Checkout.Session {
    const uiMode = normaliseUiMode(input.uiMode);
    checkUrls(input, uiMode);
    checkCombinations(input);
    const customer =
      input.customer === undefined ? null : this.customers.get(input.customer, 'customer');
    if (customer !== null) this.checkCustomerUpdate(input, customer);
    const now = this.core.nowFor(customer?.id ?? null);
    const items = this.resolveLineItems(input);
    this.checkTrial(input, now);
    const expiresAt = this.expiresAt(input, now);
    const first = input.discounts?.[0];
    const discount: DiscountChoice | null =
      first === undefined
        ? null
        : this.discounts.resolve(first, 'discounts[0]', {
            customer: customer?.id ?? null,
            subtotal: items.reduce(
              (sum, { price, quantity }) => sum + (price.unit_amount ?? 0) * quantity,
              0,
            ),
            currency: items[0]?.price.currency ?? 'usd',
          });

    const session = buildCheckoutSession({
      baseUrl: this.core.baseUrl,
      now,
      mode: input.mode,
      uiMode,
      currency:
        items[0]?.price.currency ??
        (input.currency === undefined
          ? input.mode === 'setup'
            ? null
            : 'usd'
          : input.currency.toLowerCase()),
      allowedPaymentMethodTypes: input.allowedPaymentMethodTypes ?? null,
      customer,
      customerEmail: input.customerEmail ?? null,
      customerCreation: input.customerCreation ?? null,
      clientReferenceId: input.clientReferenceId ?? null,
      metadata: input.metadata ?? {},
      discount,
      allowPromotionCodes: input.allowPromotionCodes ?? null,
      expiresAt,
      locale: input.locale ?? null,
      successUrl: input.successUrl ?? null,
      cancelUrl: input.cancelUrl ?? null,
      returnUrl: input.returnUrl ?? null,
      redirectOnCompletion: input.redirectOnCompletion ?? null,
      paymentMethodCollection: input.paymentMethodCollection ?? null,
      billingAddressCollection: input.billingAddressCollection ?? null,
      automaticTax: input.automaticTax === true,
      taxIdCollection: input.taxIdCollection === true,
      invoiceCreation: input.invoiceCreation ?? null,
    });
    const extras: CheckoutSessionExtras = {
      lineItems: items.map(({ price, quantity }) => this.lineItem(price, quantity)),
      prices: items.map(({ price, quantity }) => ({ price: price.id, quantity })),
      couponId: discount?.couponId ?? null,
      promotionCodeId: discount?.promotionCodeId ?? null,
      subscriptionMetadata: input.subscriptionMetadata ?? {},
      paymentIntentMetadata: input.paymentIntentMetadata ?? {},
      trialEnd: input.trialEnd ?? null,
      trialPeriodDays: input.trialPeriodDays ?? null,
      missingPaymentMethod: input.missingPaymentMethod ?? null,
      customerUpdate: {
        address: input.customerUpdate?.address ?? 'never',
        name: input.customerUpdate?.name ?? 'never',
      },
    };
    this.core.state.checkoutSessions.put(session);
    if (input.mode === 'setup') extras.setupIntentData = input.setupIntentData ?? {};
    this.core.state.checkoutExtras.set(session.id, extras);
    this.applyAmounts(session, extras);
    return session;
  }

  private lineItem(price: Stripe.Price, quantity: number): Stripe.LineItem {
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
  }

  private hasTrial(session: Stripe.Checkout.Session, extras: CheckoutSessionExtras): boolean {
    if (session.mode !== 'subscription') return false;
    if (extras.trialEnd !== null || extras.trialPeriodDays !== null) return true;
    return extras.lineItems.some((item) => (item.price?.recurring?.trial_period_days ?? 0) > 0);
  }

  /** Totals as Checkout shows them: discounts included, and 0 due today during a trial. */
  applyAmounts(session: Stripe.Checkout.Session, extras: CheckoutSessionExtras): void {
    // Nothing is bought in setup mode: Stripe shows no amounts at all.
    if (session.mode === 'setup') return;
    const subtotal = extras.lineItems.reduce((sum, item) => sum + item.amount_subtotal, 0);
    const coupon =
      extras.couponId === null ? null : (this.core.state.coupons.get(extras.couponId) ?? null);
    const { total: discount, shares } = this.discounts.allocate(
      coupon,
      extras.lineItems.map((item) => ({
        productId:
          typeof item.price?.product === 'string'
            ? item.price.product
            : (item.price?.product.id ?? ''),
        amount: item.amount_subtotal,
      })),
    );
    const trial = this.hasTrial(session, extras);
    const rate = this.automaticRate(session, extras);
    const lineTax = extras.lineItems.map((item, index) =>
      trial || rate === null
        ? 0
        : taxesOn(item.amount_subtotal - shares[index], [rate]).reduce(
            (sum, tax) => sum + tax.amount,
            0,
          ),
    );
    const tax = lineTax.reduce((sum, amount) => sum + amount, 0);
    session.amount_subtotal = trial ? 0 : subtotal;
    session.amount_total = trial ? 0 : subtotal - discount + tax;
    session.total_details = {
      amount_discount: trial ? 0 : discount,
      amount_shipping: 0,
      amount_tax: tax,
    };
    extras.lineItems.forEach((item, index) => {
      item.amount_discount = trial ? 0 : shares[index];
      item.amount_tax = lineTax[index];
      item.amount_total = item.amount_subtotal - item.amount_discount + item.amount_tax;
    });
  }

  /**
   * Stripe Tax's rate for the session: from the address the buyer entered, else the customer's;
   * without a usable one the status says Checkout must collect it.
   */
  private automaticRate(
    session: Stripe.Checkout.Session,
    extras: CheckoutSessionExtras,
  ): Stripe.TaxRate | null {
    if (!session.automatic_tax.enabled) return null;
    const customerId = this.customerId(session);
    const address =
      extras.taxAddress ??
      (customerId === null ? null : (this.core.state.customers.get(customerId)?.address ?? null));
    const outcome = this.automaticTax.outcomeFor(address);
    session.automatic_tax.status = outcome.status;
    return outcome.rate;
  }

  /** Whether the buyer must give a card: always, unless `if_required` and nothing is due. */
  requiresCard(session: Stripe.Checkout.Session): boolean {
    if (session.mode === 'setup') return true;
    return session.payment_method_collection !== 'if_required' || (session.amount_total ?? 0) > 0;
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

  update(id: string, metadata: Record<string, string> | undefined): Stripe.Checkout.Session {
    const session = this.get(id);
    if (metadata !== undefined) session.metadata = metadata;
    return session;
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
