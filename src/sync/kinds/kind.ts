import type Stripe from 'stripe';
import type { SqlTransaction } from '../../database/sql-client';
import type { StatementPart } from '../engine/rows';
import type { StateBounds } from '../engine/state';

/** The Stripe object kinds this service mirrors, one home each (`kinds/<kind>.kind.ts`). */
export type KindName =
  | 'product'
  | 'price'
  | 'customer'
  | 'tax_id'
  | 'subscription'
  | 'invoice'
  | 'checkout_session'
  | 'charge'
  | 'payment_method';

/** The account a state belongs to, as the engine resolved it under the customer's lock. */
export interface AccountRefForWrite {
  id: string;
  hadTrial: boolean;
  /** Link the account to the object's customer in the same statement (first sight of it). */
  linkCustomer: string | null;
}

/** What a write needs besides the mapped rows. */
export interface WriteContext {
  account: AccountRefForWrite | null;
  bounds: StateBounds;
  /** The event being applied, when there is one (for dates Stripe's objects do not carry). */
  eventCreated: number | null;
}

/** Where the account of an object comes from: its customer, else an account id we wrote. */
export interface Ownership {
  customerId: string | null;
  /** Account ids this service wrote into client_reference_id / metadata (first valid wins). */
  claims: (string | null | undefined)[];
  /** Else the account of the one-time payment this charge paid. */
  paymentIntentId?: string | null;
}

/** A product or price rows refer to, brought into the catalog before the object is written. */
export type CatalogDependency =
  | { kind: 'product'; id: string }
  /** The price as the object embeds it: written when the catalog lacks it. */
  | { kind: 'price'; price: Stripe.Price };

/** One state of an object as rows: what to write, how it orders, what it depends on. */
export interface Mapped<R> {
  row: R;
  /** Digest of everything written: equal digests write equal rows. */
  hash: string;
  /** Counters that only grow over the object's life (see engine/state.ts). */
  progress: number[];
  ownership: Ownership | null;
  /** Without an account nothing is written, and the event is IGNORED for this reason. */
  requiresAccount: string | null;
  dependencies: CatalogDependency[];
}

/** Drift: the stored rows of one object as comparable text, by report section. */
export type DriftSection =
  | 'products'
  | 'prices'
  | 'subscriptions'
  | 'payments'
  | 'checkoutSessions'
  | 'purchases'
  | 'invoices'
  | 'paymentMethods';

export interface StripeKind<O extends { id: string } = { id: string }, R = unknown> {
  readonly name: KindName;
  /** Stripe's `object` value for this kind. */
  readonly objectType: string;
  readonly eventTypes: readonly string[];
  /**
   * Events apply one at a time per lock key: the customer, or the catalog. An object with
   * neither serialises on itself.
   */
  lockKeyOf(object: O): string;
  customerOf(object: O): string | null;
  /** False for a thin payload, or one that lacks what a row needs (a session's line items). */
  isComplete(object: O): boolean;
  /** Fills in what this process already knows and never changes (a discount's coupon). */
  enrich?(object: O): O;
  /** The current state from Stripe; null when Stripe no longer has the object. */
  fetch(stripe: Stripe, id: string): Promise<O | null>;
  /** Pure: the object as rows (throws on a shape it cannot store). */
  map(object: O): Mapped<R>;
  /** The parts of the one statement that writes the rows (the engine adds the watermark). */
  write(row: R, context: WriteContext): StatementPart[];
  /** The write changes the catalog (every account's entitlements may change). */
  readonly catalog: boolean;
  /** Events whose object is gone at Stripe (whatever the payload says). */
  readonly deletionEvents: readonly string[];
  /** The object is a deletion stub (`deleted: true`). */
  isDeleted(object: O): boolean;
  /** What to write when Stripe no longer has the object; null: nothing (recorded as IGNORED). */
  writeMissing?(id: string): StatementPart[];
  /** Resync: every object of this kind Stripe has (since `since`, for the kinds that grow). */
  list?: (stripe: Stripe, since: number) => AsyncIterable<O>;
  /** Drift: the stored rows of this object, by report section, as comparable values. */
  snapshot?: (tx: SqlTransaction, id: string) => Promise<Partial<Record<DriftSection, unknown>>>;
}
