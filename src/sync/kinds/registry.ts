import type Stripe from 'stripe';
import { chargeKind } from './charge.kind';
import { checkoutSessionKind } from './checkout-session.kind';
import { customerKind } from './customer.kind';
import { invoiceKind } from './invoice.kind';
import { paymentMethodKind } from './payment-method.kind';
import type { KindName, StripeKind } from './kind';
import { priceKind } from './price.kind';
import { productKind } from './product.kind';
import { subscriptionKind } from './subscription.kind';
import { taxIdKind } from './tax-id.kind';

/**
 * Every Stripe object kind the service mirrors, in the order a resync walks them (the catalog
 * before what refers to it). Adding a kind is adding its file and a line here.
 */
export const KINDS: readonly StripeKind<{ id: string }, unknown>[] = [
  productKind,
  priceKind,
  customerKind,
  taxIdKind,
  subscriptionKind,
  invoiceKind,
  checkoutSessionKind,
  chargeKind,
  paymentMethodKind,
];

const byEventType = new Map<string, StripeKind<{ id: string }, unknown>>();
const byObjectType = new Map<string, StripeKind<{ id: string }, unknown>>();
const byName = new Map<KindName, StripeKind<{ id: string }, unknown>>();
for (const kind of KINDS) {
  byName.set(kind.name, kind);
  byObjectType.set(kind.objectType, kind);
  for (const type of kind.eventTypes) byEventType.set(type, kind);
}

export const HANDLED_EVENT_TYPES: readonly string[] = [...byEventType.keys()];

export function kindOfEvent(type: string): StripeKind<{ id: string }, unknown> | undefined {
  return byEventType.get(type);
}

/** The kind of a Stripe object by its `object` field (`subscription`, `checkout.session`…). */
export function kindOfObject(object: unknown): StripeKind<{ id: string }, unknown> | undefined {
  if (typeof object !== 'object' || object === null) return undefined;
  const { object: type, id } = object as { object?: unknown; id?: unknown };
  if (typeof type !== 'string' || typeof id !== 'string') return undefined;
  return byObjectType.get(type);
}

export function kindNamed(name: KindName): StripeKind<{ id: string }, unknown> {
  const kind = byName.get(name);
  if (kind === undefined) throw new Error(`no Stripe kind named ${name}`);
  return kind;
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
