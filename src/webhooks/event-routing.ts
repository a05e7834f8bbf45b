import type Stripe from 'stripe';
import type { SyncedObjectKind } from '../sync/billing-sync.service';
import { idOf } from '../sync/stripe-ids';

/** Which Stripe object an event is about, which customer it belongs to (the lock key), or neither. */
export interface EventRoute {
  kind: SyncedObjectKind;
  objectId: string;
  /** Events of one customer apply one at a time; catalog events serialise on the catalog. */
  lockKey: string;
  stripeCustomerId: string | null;
}

const KIND_BY_TYPE: Record<string, SyncedObjectKind> = {
  'checkout.session.completed': 'checkout_session',
  'checkout.session.async_payment_succeeded': 'checkout_session',
  'checkout.session.async_payment_failed': 'checkout_session',
  'checkout.session.expired': 'checkout_session',
  'customer.subscription.created': 'subscription',
  'customer.subscription.updated': 'subscription',
  'customer.subscription.deleted': 'subscription',
  'customer.subscription.paused': 'subscription',
  'customer.subscription.resumed': 'subscription',
  'customer.subscription.trial_will_end': 'subscription',
  'invoice.paid': 'invoice',
  'invoice.payment_succeeded': 'invoice',
  'invoice.payment_failed': 'invoice',
  'invoice.payment_action_required': 'invoice',
  'invoice.finalized': 'invoice',
  'invoice.voided': 'invoice',
  'invoice.marked_uncollectible': 'invoice',
  'charge.refunded': 'charge',
  'product.created': 'product',
  'product.updated': 'product',
  'product.deleted': 'product',
  'price.created': 'price',
  'price.updated': 'price',
  'price.deleted': 'price',
  'customer.updated': 'customer',
  'customer.deleted': 'customer',
};

export const HANDLED_EVENT_TYPES = Object.keys(KIND_BY_TYPE);

interface EventObject {
  id?: unknown;
  object?: unknown;
  customer?: Stripe.Customer | string | null;
}

/** The route of an event, or null for types this service does not apply (IGNORED). */
export function routeEvent(event: Stripe.Event): EventRoute | null {
  const kind = KIND_BY_TYPE[event.type];
  const object = event.data.object as EventObject;
  if (kind === undefined || typeof object.id !== 'string') return null;
  const customerId = kind === 'customer' ? object.id : idOf(object.customer ?? null);
  const lockKey =
    customerId !== null
      ? `customer:${customerId}`
      : kind === 'product' || kind === 'price'
        ? 'catalog'
        : `object:${object.id}`;
  return { kind, objectId: object.id, lockKey, stripeCustomerId: customerId };
}

/** A body that verified is still only an event if it has the shape of one. */
export function isStripeEvent(value: unknown): value is Stripe.Event {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Record<string, unknown>;
  const data = event.data as Record<string, unknown> | undefined;
  return (
    event.object === 'event' &&
    typeof event.id === 'string' &&
    event.id.startsWith('evt_') &&
    typeof event.type === 'string' &&
    typeof event.created === 'number' &&
    typeof data === 'object' &&
    data !== null &&
    typeof data.object === 'object' &&
    data.object !== null
  );
}
