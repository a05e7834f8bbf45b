import type { StripeDomain } from '../billing/stripe-domain';
import { invalidRequest } from '../http/stripe-error';

type Json = Record<string, unknown>;

function isJsonObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Fields that hold an expandable id (or an includable list). Other fields only pass through to deeper paths. */
const EXPANDABLE_FIELDS = new Set([
  'applies_to',
  'balance_transaction',
  'charge',
  'confirmation_secret',
  'coupon',
  'customer',
  'default_payment_method',
  'default_price',
  'discounts',
  'invoice',
  'invoice_item',
  'latest_charge',
  'latest_invoice',
  'line_items',
  'payment_intent',
  'payment_method',
  'payments',
  'pending_setup_intent',
  'price',
  'product',
  'promotion_code',
  'refunds',
  'setup_intent',
  'subscription',
  'subscription_item',
  'test_clock',
  'schedule',
]);

/** Stripe allows at most four levels of expansion. */
const MAX_DEPTH = 4;

/**
 * `expand[]` support. Ids are resolved by the field that holds them (`customer`, `product`, …) or
 * by id prefix; includable fields that are not ids (`line_items`, `payments`, `refunds`) are
 * built on demand. Only the objects on an expanded path are copied; the store is never mutated.
 */
export class Expander {
  constructor(private readonly domain: StripeDomain) {}

  private lookupById(field: string, id: string): object | undefined {
    const state = this.domain.core.state;
    switch (field) {
      case 'customer':
        return (
          state.customers.get(id) ??
          (state.deletedCustomers.has(id) ? { id, object: 'customer', deleted: true } : undefined)
        );
      case 'product':
        return state.products.get(id);
      case 'price':
        return state.prices.get(id);
      case 'coupon':
        return state.coupons.get(id);
      case 'test_clock':
        return state.testClocks.get(id);
    }
    const prefix = id.slice(0, id.indexOf('_') + 1);
    switch (prefix) {
      case 'cus_':
        return state.customers.get(id);
      case 'prod_':
        return state.products.get(id);
      case 'price_':
        return state.prices.get(id);
      case 'sub_':
        return state.subscriptions.get(id);
      case 'in_':
        return state.invoices.get(id);
      case 'pi_':
        return state.paymentIntents.get(id);
      case 'ch_': {
        const charge = state.charges.get(id);
        return charge === undefined ? undefined : this.domain.charges.withRefunds(charge);
      }
      case 're_':
        return state.refunds.get(id);
      case 'pm_':
        return state.paymentMethods.get(id);
      case 'promo_':
        return state.promotionCodes.get(id);
      case 'di_':
        return state.discounts.get(id);
      case 'ii_':
        return state.invoiceItems.get(id);
      case 'clock_':
        return state.testClocks.get(id);
      case 'cs_':
        return state.checkoutSessions.get(id);
      case 'seti_':
        return state.setupIntents.get(id);
      case 'inpay_':
        return state.invoicePayments.get(id);
    }
    return undefined;
  }

  /**
   * An open invoice's `confirmation_secret`: the client secret of the payment intent its payment
   * waits on (what a client confirms after `payment_behavior=default_incomplete`), else null.
   */
  private confirmationSecret(invoiceId: string, status: unknown): object | null {
    if (status !== 'open') return null;
    const intentId = this.domain.invoices.collection.latestPaymentIntentOf(invoiceId);
    const intent =
      intentId === null ? undefined : this.domain.core.state.paymentIntents.get(intentId);
    if (intent === undefined || intent.status === 'succeeded' || intent.status === 'canceled')
      return null;
    return { client_secret: intent.client_secret, type: 'payment_intent' };
  }

  /** Fields that Stripe leaves out unless expanded (`applies_to` only exists on limited coupons). */
  private includable(object: Json, field: string): unknown {
    if (
      object.object === 'checkout.session' &&
      field === 'line_items' &&
      typeof object.id === 'string'
    ) {
      const items = this.domain.core.state.checkoutExtras.get(object.id)?.lineItems ?? [];
      return {
        object: 'list',
        data: items,
        has_more: false,
        url: `/v1/checkout/sessions/${object.id}/line_items`,
      };
    }
    if (object.object === 'coupon' && field === 'applies_to' && typeof object.id === 'string') {
      const products = this.domain.coupons.appliesTo(object.id);
      return products === null ? undefined : { products };
    }
    if (
      object.object === 'invoice' &&
      field === 'confirmation_secret' &&
      typeof object.id === 'string'
    )
      return this.confirmationSecret(object.id, object.status);
    if (object.object === 'invoice' && field === 'payments' && typeof object.id === 'string') {
      const payments = this.domain.invoices.collection.paymentsOf(object.id);
      return {
        object: 'list',
        data: payments,
        has_more: false,
        url: `/v1/invoice_payments?invoice=${object.id}`,
      };
    }
    return undefined;
  }

  expand<T extends object>(root: T, paths: readonly string[]): T {
    if (paths.length === 0) return root;
    let result: Json = root as unknown as Json;
    for (const path of paths) {
      const segments = path.split('.');
      if (segments.length > MAX_DEPTH) {
        throw invalidRequest(
          `You cannot expand more than 4 levels of a property. Property: ${path}`,
          'parameter_invalid',
          'expand',
        );
      }
      result = this.expandPath(result, segments, path);
    }
    return result as unknown as T;
  }

  private expandPath(node: Json, segments: string[], path: string): Json {
    const [field, ...rest] = segments;
    const copy: Json = { ...node };
    let value: unknown = copy[field];
    if (value === undefined || (field === 'refunds' && copy.object === 'charge')) {
      const included = this.includable(copy, field);
      if (included !== undefined) value = included;
      else if (!(field in copy)) {
        throw invalidRequest(
          `This property cannot be expanded (${path}).`,
          'parameter_invalid',
          'expand',
        );
      }
    }
    const passesThrough = rest.length > 0 && typeof value === 'object' && value !== null;
    if (!passesThrough && !EXPANDABLE_FIELDS.has(field)) {
      throw invalidRequest(
        `This property cannot be expanded (${field}).`,
        'parameter_invalid',
        'expand',
      );
    }
    const resolve = (id: string): object => {
      const resolved = this.lookupById(field, id);
      if (resolved === undefined)
        throw invalidRequest(
          `This property cannot be expanded (${path}).`,
          'parameter_invalid',
          'expand',
        );
      return resolved;
    };
    // A field holds one id, or a list of them (`discounts`).
    if (typeof value === 'string') value = resolve(value);
    else if (Array.isArray(value))
      value = value.map((entry: unknown) => (typeof entry === 'string' ? resolve(entry) : entry));
    if (rest.length > 0) value = this.expandInto(value, rest, path);
    copy[field] = value;
    return copy;
  }

  private expandInto(value: unknown, segments: string[], path: string): unknown {
    if (Array.isArray(value)) return value.map((entry) => this.expandInto(entry, segments, path));
    if (!isJsonObject(value)) return value;
    return this.expandPath(value, segments, path);
  }

  /** Lists take `data.`-prefixed paths; those apply to every element. */
  expandList<T extends { data: object[] }>(list: T, paths: readonly string[]): T {
    const elementPaths = paths
      .filter((path) => path.startsWith('data.'))
      .map((path) => path.slice(5));
    if (elementPaths.length === 0) return list;
    return { ...list, data: list.data.map((entry) => this.expand(entry, elementPaths)) };
  }
}
