import type Stripe from 'stripe';
import { StripeApiError, invalidRequest, resourceMissing } from '../http/stripe-error';
import { newId, randomToken } from '../store/ids';
import { changedAttributes } from '../events/event-log';
import type { EmulatorCore } from './emulator-core';
import {
  declineErrorCode,
  declineMessage,
  findTestCard,
  isLuhnValid,
  testCardForToken,
  type TestCard,
} from './test-cards';

export interface CustomerInput {
  email?: string | null;
  name?: string | null;
  description?: string | null;
  phone?: string | null;
  metadata?: Record<string, string>;
  testClock?: string | null;
  paymentMethod?: string;
  defaultPaymentMethod?: string | null;
}

export interface CardInput {
  number: string;
  expMonth?: number;
  expYear?: number;
  cvc?: string;
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

/** Customers and their saved cards (payment methods). */
export class CustomerService {
  constructor(private readonly core: EmulatorCore) {}

  get(id: string, param = 'id'): Stripe.Customer {
    const customer = this.core.state.customers.get(id);
    if (customer === undefined) throw resourceMissing('customer', id, param);
    return customer;
  }

  nowFor(customerId: string | null | undefined): number {
    if (!customerId) return this.core.clock.globalNow();
    const customer = this.core.state.customers.get(customerId);
    return this.core.clock.now(
      typeof customer?.test_clock === 'string' ? customer.test_clock : null,
    );
  }

  testClockOf(customerId: string | null | undefined): string | null {
    if (!customerId) return null;
    const clock = this.core.state.customers.get(customerId)?.test_clock;
    return typeof clock === 'string' ? clock : null;
  }

  create(input: CustomerInput): Stripe.Customer {
    if (input.testClock && !this.core.state.testClocks.has(input.testClock)) {
      throw resourceMissing('test_helpers.test_clock', input.testClock, 'test_clock');
    }
    const created = this.core.clock.now(input.testClock);
    const customer: Stripe.Customer = {
      id: newId('cus', 14),
      object: 'customer',
      address: null,
      balance: 0,
      created,
      currency: null,
      customer_account: null,
      default_source: null,
      delinquent: false,
      description: input.description ?? null,
      discount: null,
      email: input.email ?? null,
      invoice_prefix: randomToken(8).toUpperCase(),
      invoice_settings: {
        custom_fields: null,
        default_payment_method: null,
        footer: null,
        rendering_options: null,
      },
      livemode: false,
      metadata: input.metadata ?? {},
      name: input.name ?? null,
      next_invoice_sequence: 1,
      phone: input.phone ?? null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: 'none',
      test_clock: input.testClock ?? null,
    };
    this.core.state.customers.put(customer);
    this.core.events.emit('customer.created', customer, created);
    if (input.paymentMethod !== undefined) {
      this.attachPaymentMethod(input.paymentMethod, customer.id);
    }
    if (input.defaultPaymentMethod)
      this.update(customer.id, { defaultPaymentMethod: input.defaultPaymentMethod });
    return customer;
  }

  update(id: string, input: CustomerInput): Stripe.Customer {
    const customer = this.get(id);
    const before = structuredClone(customer);
    if (input.email !== undefined) customer.email = input.email;
    if (input.name !== undefined) customer.name = input.name;
    if (input.description !== undefined) customer.description = input.description;
    if (input.phone !== undefined) customer.phone = input.phone;
    if (input.metadata !== undefined) customer.metadata = input.metadata;
    if (input.paymentMethod !== undefined) this.attachPaymentMethod(input.paymentMethod, id);
    if (input.defaultPaymentMethod !== undefined) {
      if (input.defaultPaymentMethod !== null) {
        const method = this.getPaymentMethod(
          input.defaultPaymentMethod,
          'invoice_settings[default_payment_method]',
        );
        if (method.customer !== id) {
          throw invalidRequest(
            `The customer does not have a payment method with the ID ${method.id}. The payment method must be attached to the customer.`,
            'resource_missing',
            'invoice_settings[default_payment_method]',
          );
        }
      }
      customer.invoice_settings = {
        ...customer.invoice_settings,
        default_payment_method: input.defaultPaymentMethod,
      };
    }
    this.emitUpdated(before, customer);
    return customer;
  }

  emitUpdated(before: Stripe.Customer, customer: Stripe.Customer): void {
    const previous = changedAttributes(before, customer);
    if (Object.keys(previous).length > 0) {
      this.core.events.emit('customer.updated', customer, this.nowFor(customer.id), previous);
    }
  }

  delete(id: string): Stripe.DeletedCustomer {
    const customer = this.get(id);
    const now = this.nowFor(id);
    for (const subscription of [...this.core.state.subscriptions.values()]) {
      if (
        subscription.customer === id &&
        subscription.status !== 'canceled' &&
        subscription.status !== 'incomplete_expired'
      ) {
        this.onCustomerDeleted(subscription.id);
      }
    }
    this.core.state.customers.delete(id);
    this.core.state.deletedCustomers.add(id);
    this.core.events.emit('customer.deleted', customer, now);
    return { id, object: 'customer', deleted: true };
  }

  /** Set by the subscription service: deleting a customer cancels its subscriptions, as Stripe does. */
  onCustomerDeleted: (subscriptionId: string) => void = () => undefined;

  // --- payment methods -------------------------------------------------------------------

  getPaymentMethod(id: string, param = 'id'): Stripe.PaymentMethod {
    const method = this.core.state.paymentMethods.get(id);
    if (method !== undefined) return method;
    const card = testCardForToken(id);
    if (card !== undefined) return this.createCardPaymentMethod(card, {});
    throw resourceMissing('PaymentMethod', id, param);
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

  createCardPaymentMethod(
    card: TestCard,
    details: {
      expMonth?: number;
      expYear?: number;
      metadata?: Record<string, string>;
      email?: string | null;
      name?: string | null;
    },
  ): Stripe.PaymentMethod {
    const created = this.core.clock.globalNow();
    const last4 = card.number.slice(-4);
    const method: Stripe.PaymentMethod = {
      id: newId('pm'),
      object: 'payment_method',
      allow_redisplay: 'unspecified',
      billing_details: {
        address: {
          city: null,
          country: null,
          line1: null,
          line2: null,
          postal_code: null,
          state: null,
        },
        email: details.email ?? null,
        name: details.name ?? null,
        phone: null,
        tax_id: null,
      },
      card: {
        brand: card.brand,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
        country: 'US',
        display_brand: card.brand,
        exp_month: details.expMonth ?? 12,
        exp_year: details.expYear ?? new Date().getUTCFullYear() + 3,
        fingerprint:
          card.number.slice(0, 4) +
          card.number.slice(-12).replace(/\d/g, (d) => 'ABCDEFGHIJ'[Number(d)]),
        funding: 'credit',
        generated_from: null,
        last4,
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
    });
    if (card.declineCode !== null) this.failsAtAttach.add(method.id);
    return method;
  }

  /**
   * Attaching runs the card check Stripe does at attach time: cards that decline outright
   * (9995, 0002, …) fail here; 0341 attaches and fails only when charged.
   */
  attachPaymentMethod(
    id: string,
    customerId: string,
    param = 'payment_method',
  ): Stripe.PaymentMethod {
    const customer = this.get(customerId, 'customer');
    const method = this.getPaymentMethod(id, param);
    if (method.customer === customer.id) return method;
    if (method.customer !== null) {
      throw invalidRequest(
        'The payment method you provided has already been attached to a customer.',
        'payment_method_unexpected_state',
      );
    }
    const declineCode = this.initialDecline(method.id);
    if (declineCode !== null) throw cardError(declineCode, { param: '' });
    method.customer = customer.id;
    this.core.events.emit('payment_method.attached', method, this.nowFor(customer.id));
    return method;
  }

  detachPaymentMethod(id: string): Stripe.PaymentMethod {
    const method = this.getPaymentMethod(id);
    if (method.customer === null) {
      throw invalidRequest(
        'The payment method you provided is not attached to a customer so detachment is impossible.',
        'payment_method_unexpected_state',
      );
    }
    const customerId = typeof method.customer === 'string' ? method.customer : method.customer.id;
    const previous = { customer: customerId };
    method.customer = null;
    const customer = this.core.state.customers.get(customerId);
    if (customer !== undefined && customer.invoice_settings.default_payment_method === id) {
      const before = structuredClone(customer);
      customer.invoice_settings = { ...customer.invoice_settings, default_payment_method: null };
      this.emitUpdated(before, customer);
    }
    this.core.events.emit('payment_method.detached', method, this.nowFor(customerId), previous);
    return method;
  }

  /** The decline a card gives at its first use (attach or checkout), null if it is accepted. */
  initialDecline(paymentMethodId: string): string | null {
    if (!this.failsAtAttach.has(paymentMethodId)) return null;
    return this.core.state.cardBehaviour.get(paymentMethodId)?.chargeDeclineCode ?? null;
  }

  /** Cards whose number declines outright (9995, 0002, …), as opposed to 0341 which fails later. */
  private readonly failsAtAttach = new Set<string>();

  /** Makes a saved card fail every later charge (control API), like switching to card 0341. */
  makeCardFail(paymentMethodId: string, declineCode = 'card_declined'): Stripe.PaymentMethod {
    const method = this.getPaymentMethod(paymentMethodId);
    this.core.state.cardBehaviour.set(method.id, {
      chargeDeclineCode: declineCode === 'card_declined' ? 'generic_decline' : declineCode,
    });
    return method;
  }

  /** The decline a charge on this payment method gets now, or null if it succeeds. */
  chargeDecline(paymentMethodId: string | null): string | null {
    if (paymentMethodId === null) return null;
    return this.core.state.cardBehaviour.get(paymentMethodId)?.chargeDeclineCode ?? null;
  }

  tokeniseCard(input: CardInput, metadata: Record<string, string> = {}): Stripe.PaymentMethod {
    const card = this.resolveCard(input.number);
    return this.createCardPaymentMethod(card, {
      expMonth: input.expMonth,
      expYear: input.expYear,
      metadata,
    });
  }

  listPaymentMethodsOf(customerId: string): Stripe.PaymentMethod[] {
    return [...this.core.state.paymentMethods.newestFirst()].filter(
      (method) => method.customer === customerId,
    );
  }
}
