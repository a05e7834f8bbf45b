import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import { resourceMissing } from '../http/stripe-error';
import { newId, randomToken } from '../store/ids';
import type { EmulatorCore } from './emulator-core';
import type { PaymentMethodService } from './payment-methods';

/** A postal address as the API takes it; absent parts are stored as null. */
export type AddressInput = Partial<Record<keyof Stripe.Address, string>>;

/** An address from its parts; an empty part (`address[line2]=`) is no part. */
export function toAddress(input: AddressInput): Stripe.Address {
  const part = (value: string | undefined): string | null =>
    value === undefined || value === '' ? null : value;
  return {
    city: part(input.city),
    country: part(input.country),
    line1: part(input.line1),
    line2: part(input.line2),
    postal_code: part(input.postal_code),
    state: part(input.state),
  };
}

export interface CustomerInput {
  email?: string | null;
  name?: string | null;
  description?: string | null;
  phone?: string | null;
  metadata?: Record<string, string>;
  /** null unsets. */
  address?: AddressInput | null;
  shipping?: { address: AddressInput; name: string; phone?: string } | null;
  taxExempt?: Stripe.Customer.TaxExempt;
  preferredLocales?: string[];
  testClock?: string | null;
  paymentMethod?: string;
  defaultPaymentMethod?: string | null;
}

/** Customers. Their cards are the payment-method service's. */
export class CustomerService {
  /** Set by the subscription service: deleting a customer cancels its subscriptions, as Stripe does. */
  onCustomerDeleted: (subscriptionId: string) => void = () => undefined;

  constructor(
    private readonly core: EmulatorCore,
    private readonly paymentMethods: PaymentMethodService,
  ) {}

  get(id: string, param = 'id'): Stripe.Customer {
    const customer = this.core.state.customers.get(id);
    if (customer === undefined) throw resourceMissing('customer', id, param);
    return customer;
  }

  /** Checks every reference of an input before anything is written, so a refusal changes nothing. */
  private checkReferences(input: CustomerInput, customerId: string | null): void {
    if (input.testClock && !this.core.state.testClocks.has(input.testClock))
      throw resourceMissing('test_helpers.test_clock', input.testClock, 'test_clock');
    if (input.paymentMethod !== undefined)
      this.paymentMethods.checkAttachable(input.paymentMethod, customerId, 'payment_method');
    if (input.defaultPaymentMethod) {
      const param = 'invoice_settings[default_payment_method]';
      if (input.defaultPaymentMethod !== input.paymentMethod)
        this.paymentMethods.checkOwnedBy(input.defaultPaymentMethod, customerId, param);
    }
  }

  create(input: CustomerInput): Stripe.Customer {
    this.checkReferences(input, null);
    const created = this.core.clock.now(input.testClock);
    const customer: Stripe.Customer = {
      id: newId('cus', 14),
      object: 'customer',
      address: input.address ? toAddress(input.address) : null,
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
      preferred_locales: input.preferredLocales ?? [],
      shipping: input.shipping ? this.toShipping(input.shipping) : null,
      tax_exempt: input.taxExempt ?? 'none',
      test_clock: input.testClock ?? null,
    };
    this.core.state.customers.put(customer);
    this.core.events.emit('customer.created', customer, created);
    if (input.paymentMethod !== undefined)
      this.paymentMethods.attach(input.paymentMethod, customer.id);
    if (input.defaultPaymentMethod)
      this.update(customer.id, { defaultPaymentMethod: input.defaultPaymentMethod });
    return customer;
  }

  update(id: string, input: CustomerInput): Stripe.Customer {
    const customer = this.get(id);
    this.checkReferences(input, id);
    const before = structuredClone(customer);
    if (input.email !== undefined) customer.email = input.email;
    if (input.name !== undefined) customer.name = input.name;
    if (input.description !== undefined) customer.description = input.description;
    if (input.phone !== undefined) customer.phone = input.phone;
    if (input.metadata !== undefined) customer.metadata = input.metadata;
    if (input.address !== undefined)
      customer.address = input.address === null ? null : toAddress(input.address);
    if (input.shipping !== undefined)
      customer.shipping = input.shipping === null ? null : this.toShipping(input.shipping);
    if (input.taxExempt !== undefined) customer.tax_exempt = input.taxExempt;
    if (input.preferredLocales !== undefined) customer.preferred_locales = input.preferredLocales;
    if (input.paymentMethod !== undefined) this.paymentMethods.attach(input.paymentMethod, id);
    if (input.defaultPaymentMethod !== undefined) {
      customer.invoice_settings = {
        ...customer.invoice_settings,
        default_payment_method: input.defaultPaymentMethod,
      };
    }
    this.emitUpdated(before, customer);
    return customer;
  }

  private toShipping(shipping: NonNullable<CustomerInput['shipping']>): Stripe.Customer.Shipping {
    return {
      address: toAddress(shipping.address),
      name: shipping.name,
      phone: shipping.phone ?? null,
    };
  }

  emitUpdated(before: Stripe.Customer, customer: Stripe.Customer): void {
    const previous = changedAttributes(before, customer);
    if (Object.keys(previous).length > 0) {
      this.core.events.emit('customer.updated', customer, this.core.nowFor(customer.id), previous);
    }
  }

  delete(id: string): Stripe.DeletedCustomer {
    const customer = this.get(id);
    const now = this.core.nowFor(id);
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
    for (const taxId of [...this.core.state.taxIds.values()])
      if (taxId.customer === id) this.core.state.taxIds.delete(taxId.id);
    this.core.state.deletedCustomers.add(id);
    this.core.events.emit('customer.deleted', customer, now);
    return { id, object: 'customer', deleted: true };
  }
}
