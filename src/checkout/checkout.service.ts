import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { AccountsRepository } from '../accounts/accounts.repository';
import { BillingCustomerService } from '../accounts/billing-customer.service';
import type { Principal } from '../auth/principal';
import type { AccountRef } from '../auth/request-context';
import { effectiveTrialDays } from '../catalog/catalog.mappers';
import { DEFAULT_MAX_SEATS, seatBoundsOf, trialWithoutCardOf } from '../catalog/price-options';
import { CatalogRepository, type PriceWithProduct } from '../catalog/catalog.repository';
import { CLOCK, type Clock } from '../clock/clock';
import { TRIAL_WITHOUT_CARD_VALUES, type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ApiError } from '../errors/api-error';
import type { Prisma } from '../generated/prisma/client';
import { PurchasesRepository } from '../purchases/purchases.repository';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';
import { BillingSync, CHECKOUT_RECEIPT_SOURCE } from '../sync';
import { CheckoutClaimsRepository } from './checkout-claims.repository';
import { CheckoutRepository } from './checkout.repository';
import type {
  CheckoutSessionCreatedDto,
  CheckoutSessionStatusDto,
  CreateCheckoutSessionDto,
} from './dto/checkout.dto';

/**
 * How long a claim outlives a silent holder. A live holder renews it every third of this while
 * Stripe answers; a crashed one stops, and the same request retried takes the claim over (with
 * the same idempotency key) once it lapses.
 */
export const CLAIM_LEASE_MS = 10_000;
/** Supersede-and-retry rounds before answering 409 CHECKOUT_IN_PROGRESS. */
const MAX_CLAIM_ROUNDS = 8;

interface SessionRequest {
  accountRef: AccountRef;
  principal: Principal;
  body: CreateCheckoutSessionDto;
  price: PriceWithProduct;
  mode: 'subscription' | 'payment';
  discounts: Stripe.Checkout.SessionCreateParams.Discount[] | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What a buyer asked for: two requests with the same fingerprint want the same checkout. */
function fingerprintOf(priceId: string, body: CreateCheckoutSessionDto): string {
  const asked = [
    priceId,
    body.quantity ?? 1,
    body.promotionCode ?? null,
    body.uiMode ?? 'hosted',
    body.successPath ?? null,
    body.cancelPath ?? null,
  ];
  return createHash('sha256').update(JSON.stringify(asked)).digest('hex');
}

/**
 * The quantity to sell: a per-seat price's seats within its bounds (default its minimum), any
 * other price 1 to 100 (default 1).
 */
function quantityFor(price: PriceWithProduct, asked: number | undefined): number {
  const bounds = seatBoundsOf(price.metadata, price.product.metadata);
  if (bounds === null) {
    if (asked !== undefined && asked > DEFAULT_MAX_SEATS)
      throw new ApiError('VALIDATION_FAILED', undefined, [
        { field: 'quantity', message: `quantity must not be greater than ${DEFAULT_MAX_SEATS}` },
      ]);
    return asked ?? 1;
  }
  const quantity = asked ?? bounds.min;
  if (quantity < bounds.min || quantity > bounds.max)
    throw new ApiError(
      'SEATS_OUT_OF_RANGE',
      `This plan is sold with ${bounds.min} to ${bounds.max} seats.`,
      [{ field: 'quantity', message: `must be between ${bounds.min} and ${bounds.max}` }],
    );
  return quantity;
}

/** Stripe's "No such …" for a parameter, e.g. a price or customer it no longer knows. */
function isMissing(error: unknown, param: string): boolean {
  return (
    error instanceof Stripe.errors.StripeInvalidRequestError &&
    error.code === 'resource_missing' &&
    (error.param?.includes(param) ?? false)
  );
}

/**
 * The buyer's e-mail (the token's) on every Checkout session, so a session in the dashboard or
 * an export names who started it even when the customer's e-mail has changed since.
 */
export function withBuyerEmail(
  metadata: Record<string, string>,
  email: string | undefined,
): Record<string, string> {
  return email === undefined || email === '' ? metadata : { ...metadata, buyer_email: email };
}

@Injectable()
export class CheckoutService {
  constructor(
    private readonly catalog: CatalogRepository,
    private readonly accounts: AccountsRepository,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly purchases: PurchasesRepository,
    private readonly sessions: CheckoutRepository,
    private readonly claims: CheckoutClaimsRepository,
    private readonly customers: BillingCustomerService,
    private readonly sync: BillingSync,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * DESIGN §3 "Checkout rules", in the order a buyer would want to hear about them.
   *
   * A subscription or a lifetime product is bought through the account's claim on that scope
   * (CheckoutClaim): one payable session at a time, whatever the number of tabs, clicks or
   * instances. The claim is taken in a short transaction, the rules are checked under it, and
   * Stripe is called with no transaction open and no lock held, with an idempotency key named
   * by the claim's attempt — so a retry after a crash gets the session Stripe already made.
   * A second request asking for the same checkout gets the same session; one asking for a
   * different one expires the first in Stripe (a paid one wins: 409) and takes its place.
   */
  async create(
    accountRef: AccountRef,
    principal: Principal,
    body: CreateCheckoutSessionDto,
    idempotencyKey?: string,
  ): Promise<CheckoutSessionCreatedDto> {
    const priceId = body.priceId ?? this.config.billing.defaultPriceId;
    if (priceId === undefined) throw new ApiError('NO_DEFAULT_PRICE');
    const price = await this.catalog.findSellablePrice(priceId);
    if (price === null) throw new ApiError('PRICE_NOT_FOUND');
    body = { ...body, quantity: quantityFor(price, body.quantity) };
    const mode = price.type === 'RECURRING' ? 'subscription' : 'payment';
    const scope =
      mode === 'subscription'
        ? 'subscription'
        : price.product.lifetime
          ? `lifetime:${price.productId}`
          : undefined;
    // Fast refusals; the same rules are checked again under the claim.
    await this.checkRules(accountRef.id, price, mode);
    const discounts =
      body.promotionCode === undefined
        ? undefined
        : [{ promotion_code: await this.promotionCodeId(body.promotionCode) }];
    const customer = await this.customers.ensureCustomer(accountRef.id, principal.email);
    const request: SessionRequest = { accountRef, principal, body, price, mode, discounts };
    if (scope === undefined) {
      // A consumable can be bought again and again: no claim. The client's Idempotency-Key,
      // scoped to the account and customer, makes Stripe's side of its retry idempotent.
      const session = await this.createSessionForCustomer(
        request,
        customer,
        idempotencyKey === undefined
          ? undefined
          : (customerId) => `checkout-${accountRef.id}-${customerId}-${idempotencyKey}`,
      );
      await this.sessions.recordCreated(this.sessionRow(request, session));
      return this.created(session.id, mode, session);
    }
    return this.createClaimed(request, customer, scope);
  }

  private async createClaimed(
    request: SessionRequest,
    customer: string,
    scope: string,
  ): Promise<CheckoutSessionCreatedDto> {
    const { accountRef, price, mode } = request;
    const fingerprint = fingerprintOf(request.price.id, request.body);
    const conflict = mode === 'subscription' ? 'SUBSCRIPTION_ALREADY_ACTIVE' : 'ALREADY_PURCHASED';
    const waitUntil = Date.now() + this.waitBudgetMs();
    let pause = 25;
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
      const decision = await this.claims.decide({
        accountId: accountRef.id,
        scope,
        fingerprint,
        now: this.clock.now(),
        leaseMs: CLAIM_LEASE_MS,
      });
      if (decision.kind === 'join')
        return this.joined(accountRef.id, decision.stripeSessionId, mode);
      if (decision.kind === 'supersede') {
        await this.supersede(decision.stripeSessionId, conflict);
        continue;
      }
      if (decision.kind === 'wait') {
        if (Date.now() + pause > waitUntil) break;
        await sleep(pause);
        pause = Math.min(pause * 2, 500);
        round -= 1;
        continue;
      }
      const { claimId } = decision;
      let { attemptId } = decision;
      // The claim's holder keeps it alive while Stripe answers; a crashed holder stops, and
      // the claim lapses after CLAIM_LEASE_MS.
      const renewal = setInterval(() => {
        this.claims.renew(claimId, attemptId, CLAIM_LEASE_MS).catch(() => undefined);
      }, CLAIM_LEASE_MS / 3);
      renewal.unref();
      let session: Stripe.Checkout.Session;
      try {
        await this.checkRules(accountRef.id, price, mode);
        try {
          session = await this.createSessionForCustomer(
            request,
            customer,
            (customerId) => `checkout-claim-${attemptId}-${customerId}`,
          );
        } catch (error) {
          if (!(error instanceof Stripe.errors.StripeIdempotencyError)) throw error;
          // The previous attempt's key was used with other parameters (the account's trial or
          // customer changed since): that session was never handed out; start a new attempt.
          const next = await this.claims.newAttempt(claimId, attemptId);
          if (next === undefined) throw new ApiError('CHECKOUT_IN_PROGRESS');
          attemptId = next;
          session = await this.createSessionForCustomer(
            request,
            customer,
            (customerId) => `checkout-claim-${attemptId}-${customerId}`,
          );
        }
      } catch (error) {
        await this.claims.release(claimId, attemptId).catch(() => undefined);
        throw error;
      } finally {
        clearInterval(renewal);
      }
      if (
        !(await this.claims.recordSession(claimId, attemptId, this.sessionRow(request, session)))
      ) {
        // This holder stalled past its lease and another request took the claim over: the
        // session made here was never handed out, and must not stay payable beside the other.
        await this.stripe.checkout.sessions.expire(session.id).catch(() => undefined);
        throw new ApiError('CHECKOUT_IN_PROGRESS');
      }
      return this.created(session.id, mode, session);
    }
    throw new ApiError('CHECKOUT_IN_PROGRESS');
  }

  /** Subscription mode: no live subscription. A lifetime product: not owned already. */
  private async checkRules(
    accountId: string,
    price: PriceWithProduct,
    mode: 'subscription' | 'payment',
  ): Promise<void> {
    if (
      mode === 'subscription' &&
      (await this.subscriptions.findLiveByAccount(accountId)).length > 0
    ) {
      throw new ApiError('SUBSCRIPTION_ALREADY_ACTIVE');
    }
    if (
      mode === 'payment' &&
      price.product.lifetime &&
      (await this.purchases.ownsLifetimeProduct(accountId, price.productId))
    ) {
      throw new ApiError('ALREADY_PURCHASED');
    }
  }

  /** How long a request waits for another one creating the same scope's session. */
  private waitBudgetMs(): number {
    const { timeoutMs, maxNetworkRetries } = this.config.stripe;
    return timeoutMs * (maxNetworkRetries + 1) + CLAIM_LEASE_MS;
  }

  /** The open session another request (another tab) made for the same checkout. */
  private async joined(
    accountId: string,
    stripeId: string,
    mode: 'subscription' | 'payment',
  ): Promise<CheckoutSessionCreatedDto> {
    const row = await this.sessions.findForAccount(accountId, stripeId);
    if (row !== null && row.url !== null) {
      return { sessionId: stripeId, url: row.url, mode, expiresAt: row.expiresAt };
    }
    // Embedded: the client secret is not kept here; Stripe has it.
    const session = await this.stripe.checkout.sessions.retrieve(stripeId);
    return this.created(stripeId, mode, session);
  }

  private created(
    sessionId: string,
    mode: 'subscription' | 'payment',
    session: Stripe.Checkout.Session,
  ): CheckoutSessionCreatedDto {
    return {
      sessionId,
      ...(session.url ? { url: session.url } : {}),
      ...(session.client_secret ? { clientSecret: session.client_secret } : {}),
      mode,
      expiresAt: new Date(session.expires_at * 1000),
    };
  }

  private sessionRow(
    request: SessionRequest,
    session: Stripe.Checkout.Session,
  ): Prisma.CheckoutSessionUncheckedCreateInput {
    return {
      stripeId: session.id,
      accountId: request.accountRef.id,
      mode: request.mode === 'subscription' ? 'SUBSCRIPTION' : 'PAYMENT',
      priceId: request.price.id,
      quantity: request.body.quantity ?? 1,
      status: 'open',
      paymentStatus: session.payment_status,
      url: session.url ?? null,
      expiresAt: new Date(session.expires_at * 1000),
    };
  }

  /**
   * Creates the session for the account's customer; a customer Stripe no longer knows (deleted
   * without a webhook reaching us, or a sandbox emulator started afresh) is replaced once.
   */
  private async createSessionForCustomer(
    request: SessionRequest,
    customer: string,
    keyFor: ((customerId: string) => string) | undefined,
  ): Promise<Stripe.Checkout.Session> {
    try {
      return await this.createSession(request, customer, keyFor?.(customer));
    } catch (error) {
      if (!isMissing(error, 'customer')) throw error;
      const replacement = await this.customers.replaceVanished(
        request.accountRef.id,
        customer,
        request.principal.email,
      );
      return this.createSession(request, replacement, keyFor?.(replacement));
    }
  }

  private async createSession(
    request: SessionRequest,
    customer: string,
    idempotencyKey: string | undefined,
  ): Promise<Stripe.Checkout.Session> {
    const params = await this.sessionParams(request, customer);
    try {
      return await this.stripe.checkout.sessions.create(
        params,
        idempotencyKey === undefined ? undefined : { idempotencyKey },
      );
    } catch (error) {
      if (isMissing(error, 'price')) throw new ApiError('PRICE_OUT_OF_SYNC');
      // A code that exists but does not apply here (another customer's, first-time only, minimum).
      if (
        error instanceof Stripe.errors.StripeInvalidRequestError &&
        error.param?.startsWith('discounts')
      ) {
        throw new ApiError('PROMOTION_CODE_INVALID');
      }
      throw error;
    }
  }

  private async sessionParams(
    request: SessionRequest,
    customer: string,
  ): Promise<Stripe.Checkout.SessionCreateParams> {
    const { accountRef, principal, body, price, mode, discounts } = request;
    const { frontendUrl, billing } = this.config;
    const successUrl = `${frontendUrl}${body.successPath ?? billing.checkoutSuccessPath}?session_id={CHECKOUT_SESSION_ID}`;
    const metadata: Record<string, string> = {
      accountId: accountRef.id,
      userId: principal.userId,
      ...(principal.orgId !== undefined ? { orgId: principal.orgId } : {}),
    };
    const trialDays = mode === 'subscription' ? await this.trialDaysFor(accountRef.id, price) : 0;
    // A trial without a card: Checkout asks for none (nothing is due today), and the trial's end
    // pauses or cancels the subscription when no card has been added by then.
    const withoutCard =
      trialDays > 0
        ? trialWithoutCardOf(
            price.metadata,
            price.product.metadata,
            TRIAL_WITHOUT_CARD_VALUES,
            billing.trialWithoutCard,
          )
        : 'off';
    const embedded = body.uiMode === 'embedded';
    return {
      mode,
      customer,
      client_reference_id: accountRef.id,
      line_items: [{ price: price.id, quantity: body.quantity ?? 1 }],
      metadata: withBuyerEmail(metadata, principal.email),
      allowed_payment_method_types: [...billing.paymentMethodTypes],
      ...(mode === 'subscription'
        ? {
            subscription_data: {
              metadata,
              ...(trialDays > 0 ? { trial_period_days: trialDays } : {}),
              ...(withoutCard !== 'off'
                ? { trial_settings: { end_behavior: { missing_payment_method: withoutCard } } }
                : {}),
            },
            ...(withoutCard !== 'off' ? { payment_method_collection: 'if_required' as const } : {}),
          }
        : {
            payment_intent_data: { metadata },
            // Every purchase gets a receipt: a paid invoice with a number, a page and a PDF.
            invoice_creation: {
              enabled: true,
              invoice_data: { metadata: { ...metadata, source: CHECKOUT_RECEIPT_SOURCE } },
            },
          }),
      ...(discounts !== undefined
        ? { discounts }
        : { allow_promotion_codes: billing.allowPromotionCodes }),
      ...this.taxParams(),
      ...(embedded
        ? {
            ui_mode: 'embedded_page',
            redirect_on_completion: 'if_required',
            return_url: successUrl,
          }
        : {
            ui_mode: 'hosted_page',
            success_url: successUrl,
            cancel_url: `${frontendUrl}${body.cancelPath ?? billing.checkoutCancelPath}`,
          }),
    };
  }

  /**
   * Tax and customer details. The customer always exists before the session (created lazily by
   * this service), so Stripe wants `customer_update` for what Checkout collects: with automatic
   * tax the address entered is saved onto the customer (Stripe refuses automatic tax for a
   * customer without a usable address otherwise), and with tax ids the business name.
   */
  private taxParams(): Partial<Stripe.Checkout.SessionCreateParams> {
    const { automaticTax, taxIdCollection, billingAddressCollection } = this.config.billing;
    const customerUpdate: Stripe.Checkout.SessionCreateParams.CustomerUpdate = {
      ...(automaticTax ? { address: 'auto' } : {}),
      ...(taxIdCollection ? { name: 'auto' } : {}),
    };
    return {
      billing_address_collection: billingAddressCollection,
      ...(automaticTax ? { automatic_tax: { enabled: true } } : {}),
      ...(taxIdCollection ? { tax_id_collection: { enabled: true } } : {}),
      ...(Object.keys(customerUpdate).length > 0 ? { customer_update: customerUpdate } : {}),
    };
  }

  /**
   * Another checkout of the scope is open (another tab, an abandoned page): a buyer could pay
   * both and end up with two subscriptions, two trials or a lifetime plan twice. The newer
   * request wins: the open session is expired in Stripe first. One that was paid meanwhile is
   * applied, and the new checkout refused as a conflict.
   */
  private async supersede(
    stripeId: string,
    conflict: 'SUBSCRIPTION_ALREADY_ACTIVE' | 'ALREADY_PURCHASED',
  ): Promise<void> {
    try {
      // What Stripe answers is applied at once: the EXPIRED line is dated now, not at the
      // session's planned expiry.
      await this.sync.applyFromStripe(() => this.stripe.checkout.sessions.expire(stripeId));
    } catch (error) {
      if (isMissing(error, 'session') || isMissing(error, 'id')) {
        // Stripe has no such session any more (a sandbox emulator started afresh).
        await this.sessions.markExpired(stripeId);
        return;
      }
      if (!(error instanceof Stripe.errors.StripeInvalidRequestError)) throw error;
      // Not open any more at Stripe: completed (paid) or expired meanwhile.
      const completed =
        (await this.stripe.checkout.sessions.retrieve(stripeId)).status === 'complete';
      await this.sync.refresh('checkout_session', stripeId);
      if (completed) throw new ApiError(conflict);
    }
  }

  /** One trial per account, ever: not after any earlier subscription or trial (no trial farming). */
  private async trialDaysFor(accountId: string, price: PriceWithProduct): Promise<number> {
    const days = effectiveTrialDays(price.trialDays, this.config.billing.trialDays);
    if (days <= 0) return 0;
    const account = await this.accounts.findById(accountId);
    if (account === null || account.hadTrial) return 0;
    return (await this.subscriptions.countByAccount(accountId)) > 0 ? 0 : days;
  }

  private async promotionCodeId(code: string): Promise<string> {
    const { data } = await this.stripe.promotionCodes.list({ code, active: true, limit: 1 });
    const found = data[0];
    if (found === undefined) throw new ApiError('PROMOTION_CODE_INVALID');
    return found.id;
  }

  /**
   * The return page may arrive before the webhook: the session is re-fetched and applied
   * through the webhook path (same lock, same upserts), so the answer is Stripe's state.
   */
  async status(accountRef: AccountRef, stripeId: string): Promise<CheckoutSessionStatusDto> {
    const known = await this.sessions.findForAccount(accountRef.id, stripeId);
    if (known === null) throw new ApiError('CHECKOUT_SESSION_NOT_FOUND');
    // Fetched and applied by the engine outside any transaction.
    if (known.status === 'open') await this.sync.refresh('checkout_session', stripeId);
    const row = (await this.sessions.findForAccount(accountRef.id, stripeId)) ?? known;
    return {
      sessionId: row.stripeId,
      status: row.status,
      paymentStatus: row.paymentStatus,
      mode: row.mode === 'SUBSCRIPTION' ? 'subscription' : 'payment',
      ...(row.stripeSubscriptionId ? { subscriptionId: row.stripeSubscriptionId } : {}),
      ...(row.purchaseId ? { purchaseId: row.purchaseId } : {}),
    };
  }
}
