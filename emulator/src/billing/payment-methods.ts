import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import { StripeApiError, invalidRequest, resourceMissing } from '../http/stripe-error';
import { newId } from '../store/ids';
import { toAddress, type AddressInput } from './customers';
import type { EmulatorCore } from './emulator-core';
import {
  cardExpiresAt,
  declineErrorCode,
  declineMessage,
  findTestCard,
  isLuhnValid,
  testCardForToken,
  type TestCard,
} from './test-cards';

export interface CardInput {
  number: string;
  expMonth?: number;
  expYear?: number;
  cvc?: string;
}

/** `billing_details` as the API takes it; null unsets a field. */
export interface BillingDetailsInput {
  address?: AddressInput | null;
  email?: string | null;
  name?: string | null;
  phone?: string | null;
}

export interface CardDetails {
  expMonth?: number;
  expYear?: number;
  metadata?: Record<string, string>;
  billingDetails?: BillingDetailsInput;
  allowRedisplay?: Stripe.PaymentMethod.AllowRedisplay;
}

export interface PaymentMethodUpdate {
  metadata?: Record<string, string>;
  billingDetails?: BillingDetailsInput;
  expMonth?: number;
  expYear?: number;
  allowRedisplay?: Stripe.PaymentMethod.AllowRedisplay;
}

const NO_ADDRESS = toAddress({});

function applyBillingDetails(
  current: Stripe.PaymentMethod.BillingDetails,
  input: BillingDetailsInput,
): Stripe.PaymentMethod.BillingDetails {
  const next = structuredClone(current);
  if (input.address !== undefined)
    next.address = input.address === null ? { ...NO_ADDRESS } : toAddress(input.address);
  if (input.email !== undefined) next.email = input.email;
  if (input.name !== undefined) next.name = input.name;
  if (input.phone !== undefined) next.phone = input.phone;
  return next;
}

export function cardError(
  declineCode: string,
  extra: Partial<StripeApiError['body']> = {},
): StripeApiError {
  return new StripeApiError(402, {
    type: 'card_error',
    code: declineErrorCode(declineCode),
    decline_code: declineCode,
    message: declineMessage(declineCode),
    doc_url: 'https://stripe.com/docs/error-codes/card-declined',
    ...extra,
  });
}

/** Saved cards (payment methods): test-card resolution, attach/detach, and how charges on them end. */
export class PaymentMethodService {
  constructor(private readonly core: EmulatorCore) {}

  /** A stored payment method, or a `pm_card_*` test token, which makes a new one (as in Stripe). */
  get(id: string, param = 'id'): Stripe.PaymentMethod {
    const method = this.core.state.paymentMethods.get(id);
    if (method !== undefined) return method;
    const card = testCardForToken(id);
    if (card !== undefined) return this.createCard(card, {});
    throw resourceMissing('PaymentMethod', id, param);
  }

  private exists(id: string, param: string): Stripe.PaymentMethod | TestCard {
    const method = this.core.state.paymentMethods.get(id) ?? testCardForToken(id);
    if (method === undefined) throw resourceMissing('PaymentMethod', id, param);
    return method;
  }

  /** Refuses what `attach` would refuse, without changing anything. */
  checkAttachable(id: string, customerId: string | null, param: string): void {
    const method = this.exists(id, param);
    if ('object' in method) {
      if (method.customer !== null && method.customer !== customerId)
        throw invalidRequest(
          'The payment method you provided has already been attached to a customer.',
          'payment_method_unexpected_state',
        );
      if (method.customer === null && this.initialDecline(method.id) !== null)
        throw cardError(this.initialDecline(method.id) as string, { param: '' });
    } else if (method.declineCode !== null) throw cardError(method.declineCode, { param: '' });
  }

  /** Refuses a payment method that is not attached to the customer. */
  checkOwnedBy(id: string, customerId: string | null, param: string): Stripe.PaymentMethod {
    const method = this.core.state.paymentMethods.get(id);
    if (method === undefined) throw resourceMissing('PaymentMethod', id, param);
    if (customerId === null || method.customer !== customerId)
      throw invalidRequest(
        `The customer does not have a payment method with the ID ${method.id}. The payment method must be attached to the customer.`,
        'resource_missing',
        param,
      );
    return method;
  }

  /** Resolves a card number to a test card, refusing what Stripe's test mode refuses. */
  resolveCard(number: string): TestCard {
    const card = findTestCard(number);
    if (card !== undefined) return card;
    if (!isLuhnValid(number)) {
      throw new StripeApiError(402, {
        type: 'card_error',
        code: 'incorrect_number',
        param: 'card[number]',
        message: 'Your card number is incorrect.',
      });
    }
    throw cardError('test_mode_live_card', {
      message:
        'Your card was declined. Your request was in test mode, but used a non test (live) card. For a list of valid test cards, visit: https://stripe.com/docs/testing.',
    });
  }

  /**
   * Stripe refuses an expiry in the past (or an impossible month) when a card is entered:
   * `invalid_expiry_month` / `invalid_expiry_year`, before anything is created.
   */
  checkExpiry(expMonth: number | undefined, expYear: number | undefined, now: number): void {
    const cardError = (code: string, param: string, what: string): StripeApiError =>
      new StripeApiError(402, {
        type: 'card_error',
        code,
        param,
        message: `Your card's expiration ${what} is invalid.`,
        doc_url: `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`,
      });
    if (expMonth !== undefined && (expMonth < 1 || expMonth > 12))
      throw cardError('invalid_expiry_month', 'card[exp_month]', 'month');
    if (expYear === undefined) return;
    const year = new Date(now * 1000).getUTCFullYear();
    if (expYear < year || expYear > year + 50)
      throw cardError('invalid_expiry_year', 'card[exp_year]', 'year');
    if (expMonth !== undefined && cardExpiresAt(expMonth, expYear) <= now)
      throw cardError('invalid_expiry_month', 'card[exp_month]', 'month');
  }

  createCard(card: TestCard, details: CardDetails): Stripe.PaymentMethod {
    const created = this.core.clock.globalNow();
    this.checkExpiry(details.expMonth, details.expYear, created);
    const method: Stripe.PaymentMethod = {
      id: newId('pm'),
      object: 'payment_method',
      allow_redisplay: details.allowRedisplay ?? 'unspecified',
      billing_details: applyBillingDetails(
        { address: { ...NO_ADDRESS }, email: null, name: null, phone: null, tax_id: null },
        details.billingDetails ?? {},
      ),
      card: {
        brand: card.brand,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
        country: 'US',
        display_brand: card.brand,
        exp_month: details.expMonth ?? 12,
        exp_year: details.expYear ?? new Date(created * 1000).getUTCFullYear() + 5,
        fingerprint:
          card.number.slice(0, 4) +
          card.number.slice(-12).replace(/\d/g, (d) => 'ABCDEFGHIJ'[Number(d)]),
        funding: card.funding,
        generated_from: null,
        last4: card.number.slice(-4),
        networks: { available: [card.brand], preferred: null },
        regulated_status: 'unregulated',
        three_d_secure_usage: { supported: true },
        wallet: null,
      },
      created,
      customer: null,
      customer_account: null,
      livemode: false,
      metadata: details.metadata ?? {},
      type: 'card',
    };
    this.core.state.paymentMethods.put(method);
    this.core.state.cardBehaviour.set(method.id, {
      chargeDeclineCode: card.declineCode ?? (card.failsLaterCharges ? 'generic_decline' : null),
      declinesAtAttach: card.declineCode !== null,
    });
    return method;
  }

  tokenise(input: CardInput, details: CardDetails = {}): Stripe.PaymentMethod {
    const card = this.resolveCard(input.number);
    return this.createCard(card, { ...details, expMonth: input.expMonth, expYear: input.expYear });
  }

  /** Metadata, billing details, expiry and redisplay consent; `payment_method.updated`. */
  update(id: string, input: PaymentMethodUpdate): Stripe.PaymentMethod {
    const method = this.core.state.paymentMethods.get(id);
    if (method === undefined) throw resourceMissing('PaymentMethod', id);
    const before = structuredClone(method);
    if (input.metadata !== undefined) method.metadata = input.metadata;
    if (input.billingDetails !== undefined)
      method.billing_details = applyBillingDetails(method.billing_details, input.billingDetails);
    if (input.allowRedisplay !== undefined) method.allow_redisplay = input.allowRedisplay;
    if (method.card !== undefined && (input.expMonth !== undefined || input.expYear !== undefined))
      method.card = {
        ...method.card,
        exp_month: input.expMonth ?? method.card.exp_month,
        exp_year: input.expYear ?? method.card.exp_year,
      };
    const previous = changedAttributes(before, method);
    if (Object.keys(previous).length > 0) {
      const customerId = typeof method.customer === 'string' ? method.customer : null;
      this.core.events.emit(
        'payment_method.updated',
        method,
        this.core.nowFor(customerId),
        previous,
      );
    }
    return method;
  }

  /**
   * Attaching runs the card check Stripe does at attach time: cards that decline outright
   * (9995, 0002, …) fail here; 0341 attaches and fails only when charged.
   */
  attach(id: string, customerId: string, param = 'payment_method'): Stripe.PaymentMethod {
    if (!this.core.state.customers.has(customerId))
      throw resourceMissing('customer', customerId, 'customer');
    this.checkAttachable(id, customerId, param);
    const method = this.get(id, param);
    if (method.customer === customerId) return method;
    method.customer = customerId;
    this.core.events.emit('payment_method.attached', method, this.core.nowFor(customerId));
    return method;
  }

  detach(id: string): Stripe.PaymentMethod {
    const method = this.get(id);
    if (method.customer === null) {
      throw invalidRequest(
        'The payment method you provided is not attached to a customer so detachment is impossible.',
        'payment_method_unexpected_state',
      );
    }
    const customerId = typeof method.customer === 'string' ? method.customer : method.customer.id;
    method.customer = null;
    const customer = this.core.state.customers.get(customerId);
    if (customer !== undefined && customer.invoice_settings.default_payment_method === id) {
      const before = structuredClone(customer);
      customer.invoice_settings = { ...customer.invoice_settings, default_payment_method: null };
      this.core.events.emit('customer.updated', customer, this.core.nowFor(customerId), {
        invoice_settings: before.invoice_settings,
      });
    }
    this.core.events.emit('payment_method.detached', method, this.core.nowFor(customerId), {
      customer: customerId,
    });
    return method;
  }

  /** The decline a card gives at its first use (attach or checkout), null if it is accepted. */
  initialDecline(paymentMethodId: string): string | null {
    const behaviour = this.core.state.cardBehaviour.get(paymentMethodId);
    return behaviour?.declinesAtAttach === true ? behaviour.chargeDeclineCode : null;
  }

  /** Makes a saved card fail every later charge (control API), like switching to card 0341. */
  makeCardFail(paymentMethodId: string, declineCode = 'card_declined'): Stripe.PaymentMethod {
    const method = this.get(paymentMethodId);
    this.core.state.cardBehaviour.set(method.id, {
      chargeDeclineCode: declineCode === 'card_declined' ? 'generic_decline' : declineCode,
      declinesAtAttach: false,
    });
    return method;
  }

  /**
   * The decline a charge on this payment method gets at `now`, or null if it succeeds. A saved
   * card that has expired since (time moves on the clocks) declines with `expired_card`.
   */
  chargeDecline(paymentMethodId: string | null, now: number): string | null {
    if (paymentMethodId === null) return null;
    const declineCode = this.core.state.cardBehaviour.get(paymentMethodId)?.chargeDeclineCode;
    if (declineCode != null) return declineCode;
    const card = this.core.state.paymentMethods.get(paymentMethodId)?.card;
    if (card !== undefined && cardExpiresAt(card.exp_month, card.exp_year) <= now)
      return 'expired_card';
    return null;
  }
}
