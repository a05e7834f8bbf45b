import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { toPriceRow, toProductRow } from '../catalog/catalog.mappers';
import { CLOCK, type Clock } from '../clock/clock';
import type { Account } from '../generated/prisma/client';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { fromUnix, idOf } from './stripe-ids';
import {
  claimedAccountId,
  checkoutStatusOf,
  invoiceSubscriptionId,
  toInvoicePayment,
  toSubscriptionFields,
} from './sync.mappers';
import { SyncEffectsBus } from './sync-effects.bus';
import { SyncRepository, type Tx } from './sync.repository';

/** What one application of Stripe state changed, for cache invalidation after commit. */
export class SyncEffects {
  readonly accounts = new Set<string>();
  /** Price ids known to have rows once the transaction commits. */
  readonly seenPrices = new Set<string>();
  catalogChanged = false;
  /** Why nothing was written, when nothing could be (an object of no account of ours). */
  ignoredBecause?: string;
}

export type SyncedObjectKind =
  'product' | 'price' | 'customer' | 'subscription' | 'invoice' | 'checkout_session' | 'charge';

/** When the charge was (last) refunded, from Stripe's own timestamps. */
function latestRefundTime(charge: Stripe.Charge): Date {
  const times = (charge.refunds?.data ?? []).map((refund) => refund.created);
  return new Date((times.length > 0 ? Math.max(...times) : charge.created) * 1000);
}

const isMissing = (error: unknown): boolean =>
  error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';

/**
 * Brings the rows of one Stripe object (and what hangs off it) to Stripe's current state. It
 * always re-fetches from Stripe rather than trusting an event's snapshot, so that whatever
 * order events arrive in, the last write is the newest state. Callers hold the customer's
 * advisory lock and a transaction.
 */
@Injectable()
export class BillingSyncService {
  constructor(
    private readonly repo: SyncRepository,
    bus: SyncEffectsBus,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    bus.subscribe((committed) => this.rememberPrices(committed.seenPrices));
  }

  async apply(tx: Tx, kind: SyncedObjectKind, id: string, effects: SyncEffects): Promise<void> {
    switch (kind) {
      case 'product':
        return this.syncProduct(tx, id, effects);
      case 'price':
        return this.syncPrice(tx, id, effects);
      case 'customer':
        return this.syncCustomer(tx, id, effects);
      case 'subscription':
        return this.syncSubscription(tx, await this.stripe.subscriptions.retrieve(id), effects);
      case 'invoice':
        return this.syncInvoice(tx, id, effects);
      case 'checkout_session':
        return this.syncCheckoutSession(tx, id, effects);
      case 'charge':
        return this.syncCharge(tx, id, effects);
    }
  }

  /** Applies an already-fetched product (a resync lists them rather than fetching one by one). */
  async applyProduct(tx: Tx, product: Stripe.Product, effects: SyncEffects): Promise<void> {
    effects.catalogChanged = true;
    await this.repo.upsertProduct(tx, toProductRow(product));
  }

  async applyPrice(tx: Tx, price: Stripe.Price, effects: SyncEffects): Promise<void> {
    await this.upsertPriceWithProduct(tx, price, effects);
  }

  async syncProduct(tx: Tx, id: string, effects: SyncEffects): Promise<void> {
    effects.catalogChanged = true;
    let product: Stripe.Product;
    try {
      product = await this.stripe.products.retrieve(id);
    } catch (error) {
      if (!isMissing(error)) throw error;
      await this.repo.markProductDeleted(tx, id);
      return;
    }
    await this.repo.upsertProduct(tx, toProductRow(product));
  }

  async syncPrice(tx: Tx, id: string, effects: SyncEffects): Promise<void> {
    effects.catalogChanged = true;
    let price: Stripe.Price;
    try {
      price = await this.stripe.prices.retrieve(id);
    } catch (error) {
      if (!isMissing(error)) throw error;
      await this.repo.markPriceDeleted(tx, id);
      return;
    }
    await this.upsertPriceWithProduct(tx, price, effects);
  }

  /** A price may arrive before its product: the product is fetched first, then the price. */
  private async upsertPriceWithProduct(
    tx: Tx,
    price: Stripe.Price,
    effects: SyncEffects,
  ): Promise<void> {
    const row = toPriceRow(price);
    if (row === null) return;
    if (!(await this.repo.hasProduct(tx, row.productId)))
      await this.syncProduct(tx, row.productId, effects);
    await this.repo.upsertPrice(tx, row);
  }

  /**
   * Price rows are never removed (a deleted price is only flagged), so once seen a price id
   * needs no further query on the hot path.
   */
  private readonly knownPrices = new Set<string>();

  private async ensurePrice(tx: Tx, price: Stripe.Price, effects: SyncEffects): Promise<void> {
    if (this.knownPrices.has(price.id)) return;
    if (!(await this.repo.hasPrice(tx, price.id)))
      await this.upsertPriceWithProduct(tx, price, effects);
    // Remembered only once this transaction has made or found the row; a rollback would leave
    // a missing row behind a cached id, so the id is added after commit via the effects.
    effects.seenPrices.add(price.id);
  }

  private rememberPrices(ids: Iterable<string>): void {
    if (this.knownPrices.size > 100_000) this.knownPrices.clear();
    for (const id of ids) this.knownPrices.add(id);
  }

  async syncCustomer(tx: Tx, id: string, effects: SyncEffects): Promise<void> {
    const customer = await this.stripe.customers.retrieve(id);
    const account = await this.repo.accountByCustomer(tx, id);
    if (account === null) {
      effects.ignoredBecause = 'customer of no account';
      return;
    }
    effects.accounts.add(account.id);
    if ('deleted' in customer && customer.deleted) {
      // The account keeps its history; a later checkout creates a new customer.
      await this.repo.unlinkCustomer(tx, id);
      return;
    }
    const live = customer as Stripe.Customer;
    if (live.email) await this.repo.updateAccountEmail(tx, id, live.email);
  }

  /**
   * The account a Stripe object belongs to: by its customer, else by the account id the
   * service itself wrote into client_reference_id/metadata — but only an id that exists.
   */
  private async resolveAccount(
    tx: Tx,
    customerId: string | null,
    ...claims: (string | null | undefined)[]
  ): Promise<Account | null> {
    if (customerId !== null) {
      const linked = await this.repo.accountByCustomer(tx, customerId);
      if (linked !== null) return linked;
    }
    const claimed = claimedAccountId(...claims);
    if (claimed === null) return null;
    const account = await this.repo.accountById(tx, claimed);
    if (account === null) return null;
    if (customerId !== null && account.stripeCustomerId === null) {
      // A customer deleted in Stripe was unlinked on purpose; its late events must not relink it.
      const customer = await this.stripe.customers.retrieve(customerId);
      if ('deleted' in customer && customer.deleted) return account;
      await this.repo.linkCustomer(tx, account.id, customerId);
      return { ...account, stripeCustomerId: customerId };
    }
    // An account already linked to another customer is not re-pointed by a claim.
    return account.stripeCustomerId === customerId || customerId === null ? account : null;
  }

  async syncSubscription(
    tx: Tx,
    subscription: Stripe.Subscription,
    effects: SyncEffects,
  ): Promise<void> {
    await this.applySubscription(tx, subscription, effects);
  }

  /** syncSubscription, answering the account the subscription was written to (null: none). */
  private async applySubscription(
    tx: Tx,
    subscription: Stripe.Subscription,
    effects: SyncEffects,
  ): Promise<Account | null> {
    const fields = toSubscriptionFields(subscription);
    const account = await this.resolveAccount(
      tx,
      fields.stripeCustomerId,
      subscription.metadata?.accountId,
    );
    if (account === null) {
      effects.ignoredBecause = 'subscription of no account';
      return null;
    }
    effects.accounts.add(account.id);
    await this.ensurePrice(tx, subscription.items.data[0].price, effects);

    // The grace window runs from the failed payment: the unpaid latest invoice's creation
    // (renewals are charged when created), kept once known so later syncs cannot restart it.
    // Only a past_due subscription needs this (no extra query on the hot path otherwise).
    let pastDueSince: Date | null = null;
    if (fields.status === 'past_due') {
      const previous = await this.repo.subscriptionByStripeId(tx, fields.stripeId);
      pastDueSince =
        (previous?.status === 'past_due' ? previous.pastDueSince : null) ??
        (await this.failedPaymentTime(subscription)) ??
        this.clock.now();
    }
    await this.repo.upsertSubscription(tx, account.id, fields, pastDueSince);
    // The account row was read in this transaction: an account that already had a trial needs
    // no write (the update would match no row anyway).
    if (!account.hadTrial) await this.repo.markHadTrial(tx, account.id);

    if (fields.status === 'canceled' || fields.status === 'incomplete_expired') {
      const endedAt = fields.endedAt ?? fields.canceledAt ?? this.clock.now();
      await this.repo.upsertPayment(tx, {
        sourceKey: `cancel:${fields.stripeId}`,
        accountId: account.id,
        type: 'SUBSCRIPTION',
        status: 'CANCELLED',
        amount: 0,
        currency: subscription.currency,
        description: 'Subscription ended',
        stripeSubscriptionId: fields.stripeId,
        occurredAt: endedAt,
      });
    }
    return account;
  }

  private async failedPaymentTime(subscription: Stripe.Subscription): Promise<Date | null> {
    const invoiceId = idOf(subscription.latest_invoice);
    if (invoiceId === null) return null;
    const invoice = await this.stripe.invoices.retrieve(invoiceId);
    return invoice.status === 'open' ? new Date(invoice.created * 1000) : null;
  }

  async syncInvoice(tx: Tx, id: string, effects: SyncEffects): Promise<void> {
    const invoice = await this.stripe.invoices.retrieve(id);
    const customerId = idOf(invoice.customer);
    const subscriptionId = invoiceSubscriptionId(invoice);
    // The invoice's subscription first: it may be what links the customer to an account.
    const subscriptionAccount =
      subscriptionId === null
        ? null
        : await this.applySubscription(
            tx,
            await this.stripe.subscriptions.retrieve(subscriptionId),
            effects,
          );
    // An account linked to the invoice's customer is what resolveAccount would find first.
    const account =
      subscriptionAccount !== null &&
      customerId !== null &&
      subscriptionAccount.stripeCustomerId === customerId
        ? subscriptionAccount
        : await this.resolveAccount(
            tx,
            customerId,
            invoice.parent?.subscription_details?.metadata?.accountId,
          );
    if (account === null) {
      effects.ignoredBecause = 'invoice of no account';
      return;
    }
    effects.accounts.add(account.id);
    const payment = toInvoicePayment(invoice);
    if (payment !== null) await this.repo.upsertPayment(tx, { ...payment, accountId: account.id });
  }

  async syncCheckoutSession(tx: Tx, id: string, effects: SyncEffects): Promise<void> {
    const session = await this.stripe.checkout.sessions.retrieve(id, {
      expand: ['line_items', 'payment_intent.latest_charge.refunds'],
    });
    const customerId = idOf(session.customer);
    const account = await this.resolveAccount(
      tx,
      customerId,
      session.client_reference_id,
      session.metadata?.accountId,
    );
    if (account === null) {
      effects.ignoredBecause = 'checkout session of no account';
      return;
    }
    effects.accounts.add(account.id);
    const item = session.line_items?.data[0];
    const price = item?.price;
    if (price === undefined || price === null) {
      effects.ignoredBecause = 'checkout session without a price';
      return;
    }
    await this.ensurePrice(tx, price, effects);

    const status = checkoutStatusOf(session);
    const mode = session.mode === 'subscription' ? 'SUBSCRIPTION' : 'PAYMENT';
    const subscriptionId = idOf(session.subscription);
    const paymentIntentId = idOf(session.payment_intent);
    // A refund may be applied before the completed session is: the charge tells either way.
    const charge =
      typeof session.payment_intent === 'object' ? session.payment_intent?.latest_charge : null;
    const refunded = typeof charge === 'object' && charge !== null && charge.refunded;
    const refundedAt = refunded ? latestRefundTime(charge) : null;
    // A 100 %-off promotion code completes with nothing to pay: still a purchase.
    const fulfilled =
      session.payment_status === 'paid' || session.payment_status === 'no_payment_required';
    const createdAt = new Date(session.created * 1000);

    let purchaseId: string | null = null;
    if (mode === 'PAYMENT' && status === 'complete' && fulfilled) {
      const lifetime = await this.isLifetimeProduct(tx, price);
      purchaseId = await this.repo.upsertPurchase(tx, {
        accountId: account.id,
        productId: idOf(price.product) ?? '',
        priceId: price.id,
        lifetime,
        quantity: item?.quantity ?? 1,
        amount: session.amount_total ?? 0,
        currency: session.currency ?? price.currency,
        stripeCheckoutSessionId: session.id,
        stripePaymentIntentId: paymentIntentId,
        purchasedAt: createdAt,
        status: refunded ? 'REFUNDED' : 'ACTIVE',
        refundedAt,
      });
      await this.repo.upsertPayment(tx, {
        sourceKey: `session:${session.id}`,
        accountId: account.id,
        type: 'ONE_TIME',
        status: 'COMPLETED',
        amount: session.amount_total ?? 0,
        currency: session.currency ?? price.currency,
        description: item?.description ?? null,
        stripeCheckoutSessionId: session.id,
        stripePaymentIntentId: paymentIntentId,
        occurredAt: createdAt,
      });
    } else if (mode === 'PAYMENT' && status === 'complete') {
      // A delayed payment method that failed (checkout.session.async_payment_failed).
      await this.repo.upsertPayment(tx, {
        sourceKey: `session:${session.id}`,
        accountId: account.id,
        type: 'ONE_TIME',
        status: 'FAILED',
        amount: session.amount_total ?? 0,
        currency: session.currency ?? price.currency,
        description: item?.description ?? null,
        stripeCheckoutSessionId: session.id,
        stripePaymentIntentId: paymentIntentId,
        occurredAt: createdAt,
      });
    } else if (status === 'expired') {
      await this.repo.upsertPayment(tx, {
        sourceKey: `session:${session.id}`,
        accountId: account.id,
        type: mode === 'SUBSCRIPTION' ? 'SUBSCRIPTION' : 'ONE_TIME',
        status: 'EXPIRED',
        amount: session.amount_total ?? 0,
        currency: session.currency ?? price.currency,
        description: item?.description ?? null,
        stripeCheckoutSessionId: session.id,
        occurredAt: fromUnix(session.expires_at) ?? createdAt,
      });
    }

    await this.repo.upsertCheckoutSession(tx, {
      stripeId: session.id,
      accountId: account.id,
      mode,
      priceId: price.id,
      quantity: item?.quantity ?? 1,
      status,
      paymentStatus: session.payment_status,
      url: session.url ?? null,
      stripeSubscriptionId: subscriptionId,
      purchaseId,
      expiresAt: new Date(session.expires_at * 1000),
      completedAt:
        status === 'complete'
          ? ((await this.repo.checkoutCompletedAt(tx, session.id)) ?? this.clock.now())
          : null,
    });

    if (subscriptionId !== null) {
      await this.syncSubscription(
        tx,
        await this.stripe.subscriptions.retrieve(subscriptionId),
        effects,
      );
    }
    // Refunds applied before this session linked the customer found no account then.
    if (typeof charge === 'object' && charge !== null)
      await this.writeRefunds(tx, account.id, charge);
  }

  private async isLifetimeProduct(tx: Tx, price: Stripe.Price): Promise<boolean> {
    const productId = idOf(price.product);
    if (productId === null) return false;
    const product = await tx.product.findUnique({
      where: { id: productId },
      select: { lifetime: true },
    });
    return product?.lifetime ?? false;
  }

  async syncCharge(tx: Tx, id: string, effects: SyncEffects): Promise<void> {
    const charge = await this.stripe.charges.retrieve(id, { expand: ['refunds'] });
    const paymentIntentId = idOf(charge.payment_intent);
    const account =
      (await this.resolveAccount(tx, idOf(charge.customer), charge.metadata?.accountId)) ??
      (paymentIntentId === null ? null : await this.accountOfPaymentIntent(tx, paymentIntentId));
    if (account === null) {
      effects.ignoredBecause = 'charge of no account';
      return;
    }
    effects.accounts.add(account.id);
    await this.writeRefunds(tx, account.id, charge);
    // A fully refunded one-time purchase grants nothing any more.
    if (charge.refunded && paymentIntentId !== null) {
      await this.repo.markPurchaseRefunded(tx, paymentIntentId, latestRefundTime(charge));
    }
  }

  private async writeRefunds(tx: Tx, accountId: string, charge: Stripe.Charge): Promise<void> {
    for (const refund of charge.refunds?.data ?? []) {
      if (refund.status !== 'succeeded') continue;
      await this.repo.upsertPayment(tx, {
        sourceKey: `refund:${refund.id}`,
        accountId,
        type: 'REFUND',
        status: 'REFUNDED',
        amount: refund.amount,
        currency: refund.currency,
        description: 'Refund',
        stripeRefundId: refund.id,
        stripeChargeId: charge.id,
        occurredAt: new Date(refund.created * 1000),
      });
    }
  }

  private async accountOfPaymentIntent(tx: Tx, paymentIntentId: string): Promise<Account | null> {
    const payment = await this.repo.accountOfPaymentIntent(tx, paymentIntentId);
    return payment === null ? null : this.repo.accountById(tx, payment.accountId);
  }
}
