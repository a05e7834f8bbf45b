import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { AccountsRepository } from '../accounts/accounts.repository';
import { BillingCustomerService } from '../accounts/billing-customer.service';
import type { Principal } from '../auth/principal';
import type { AccountRef } from '../auth/request-context';
import { effectiveTrialDays } from '../catalog/catalog.mappers';
import { CatalogRepository, type PriceWithProduct } from '../catalog/catalog.repository';
import { CLOCK, type Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ApiError } from '../errors/api-error';
import { PurchasesRepository } from '../purchases/purchases.repository';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';
import { BillingSync } from '../sync';
import { CheckoutRepository } from './checkout.repository';
import type {
  CheckoutSessionCreatedDto,
  CheckoutSessionStatusDto,
  CreateCheckoutSessionDto,
} from './dto/checkout.dto';

/** Stripe's "No such …" for a parameter, e.g. a price or customer it no longer knows. */
function isMissing(error: unknown, param: string): boolean {
  return (
    error instanceof Stripe.errors.StripeInvalidRequestError &&
    error.code === 'resource_missing' &&
    (error.param?.includes(param) ?? false)
  );
}

@Injectable()
export class CheckoutService {
  constructor(
    private readonly catalog: CatalogRepository,
    private readonly accounts: AccountsRepository,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly purchases: PurchasesRepository,
    private readonly sessions: CheckoutRepository,
    private readonly customers: BillingCustomerService,
    private readonly sync: BillingSync,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** DESIGN §3 "Checkout rules", in the order a buyer would want to hear about them. */
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
    const mode = price.type === 'RECURRING' ? 'subscription' : 'payment';

    if (
      mode === 'subscription' &&
      (await this.subscriptions.findLiveByAccount(accountRef.id)).length > 0
    ) {
      throw new ApiError('SUBSCRIPTION_ALREADY_ACTIVE');
    }
    if (
      mode === 'payment' &&
      price.product.lifetime &&
      (await this.purchases.ownsLifetimeProduct(accountRef.id, price.productId))
    ) {
      throw new ApiError('ALREADY_PURCHASED');
    }
    const discounts =
      body.promotionCode === undefined
        ? undefined
        : [{ promotion_code: await this.promotionCodeId(body.promotionCode) }];
    const customer = await this.customers.ensureCustomer(accountRef.id, principal.email);
    if (mode === 'subscription')
      await this.supersedeOpenSessions(
        accountRef.id,
        { mode: 'SUBSCRIPTION' },
        'SUBSCRIPTION_ALREADY_ACTIVE',
      );
    else if (price.product.lifetime)
      await this.supersedeOpenSessions(
        accountRef.id,
        { productId: price.productId },
        'ALREADY_PURCHASED',
      );
    let session: Stripe.Checkout.Session;
    try {
      session = await this.createSession(
        accountRef,
        principal,
        body,
        price,
        mode,
        customer,
        discounts,
        idempotencyKey,
      );
    } catch (error) {
      if (!isMissing(error, 'customer')) throw error;
      // The stored customer no longer exists at Stripe (deleted without a webhook reaching us,
      // or a sandbox emulator started afresh): link a new one and try once more.
      const replacement = await this.customers.replaceVanished(
        accountRef.id,
        customer,
        principal.email,
      );
      session = await this.createSession(
        accountRef,
        principal,
        body,
        price,
        mode,
        replacement,
        discounts,
        idempotencyKey,
      );
    }
    await this.sessions.recordCreated({
      stripeId: session.id,
      accountId: accountRef.id,
      mode: mode === 'subscription' ? 'SUBSCRIPTION' : 'PAYMENT',
      priceId: price.id,
      quantity: body.quantity ?? 1,
      status: 'open',
      paymentStatus: session.payment_status,
      url: session.url ?? null,
      expiresAt: new Date(session.expires_at * 1000),
    });
    return {
      sessionId: session.id,
      ...(session.url ? { url: session.url } : {}),
      ...(session.client_secret ? { clientSecret: session.client_secret } : {}),
      mode,
      expiresAt: new Date(session.expires_at * 1000),
    };
  }

  private async createSession(
    accountRef: AccountRef,
    principal: Principal,
    body: CreateCheckoutSessionDto,
    price: PriceWithProduct,
    mode: 'subscription' | 'payment',
    customer: string,
    discounts: Stripe.Checkout.SessionCreateParams.Discount[] | undefined,
    idempotencyKey: string | undefined,
  ): Promise<Stripe.Checkout.Session> {
    const params = await this.sessionParams(
      accountRef,
      principal,
      body,
      price,
      mode,
      customer,
      discounts,
    );
    try {
      return await this.stripe.checkout.sessions.create(
        params,
        // The client's key, scoped to the account and customer, makes Stripe's side of a retry idempotent.
        idempotencyKey === undefined
          ? undefined
          : { idempotencyKey: `checkout-${accountRef.id}-${customer}-${idempotencyKey}` },
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
    accountRef: AccountRef,
    principal: Principal,
    body: CreateCheckoutSessionDto,
    price: PriceWithProduct,
    mode: 'subscription' | 'payment',
    customer: string,
    discounts: Stripe.Checkout.SessionCreateParams.Discount[] | undefined,
  ): Promise<Stripe.Checkout.SessionCreateParams> {
    const { frontendUrl, billing } = this.config;
    const successUrl = `${frontendUrl}${body.successPath ?? billing.checkoutSuccessPath}?session_id={CHECKOUT_SESSION_ID}`;
    const metadata: Record<string, string> = {
      accountId: accountRef.id,
      userId: principal.userId,
      ...(principal.orgId !== undefined ? { orgId: principal.orgId } : {}),
    };
    const trialDays = mode === 'subscription' ? await this.trialDaysFor(accountRef.id, price) : 0;
    const embedded = body.uiMode === 'embedded';
    return {
      mode,
      customer,
      client_reference_id: accountRef.id,
      line_items: [{ price: price.id, quantity: body.quantity ?? 1 }],
      metadata,
      ...(mode === 'subscription'
        ? {
            subscription_data: {
              metadata,
              ...(trialDays > 0 ? { trial_period_days: trialDays } : {}),
            },
          }
        : { payment_intent_data: { metadata } }),
      ...(discounts !== undefined
        ? { discounts }
        : { allow_promotion_codes: billing.allowPromotionCodes }),
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
   * A buyer with an earlier checkout still open (another tab, an abandoned page) could pay both
   * and end up with two subscriptions, two trials or a lifetime plan twice. The newest request
   * wins: earlier open sessions are expired in Stripe first. One that was paid meanwhile is
   * applied, and the new checkout refused as a conflict.
   */
  private async supersedeOpenSessions(
    accountId: string,
    scope: { mode: 'SUBSCRIPTION' } | { productId: string },
    conflict: 'SUBSCRIPTION_ALREADY_ACTIVE' | 'ALREADY_PURCHASED',
  ): Promise<void> {
    for (const open of await this.sessions.findOpen(accountId, this.clock.now(), scope)) {
      let completed: boolean;
      try {
        // What Stripe answers is applied at once: the EXPIRED line is dated now, not at the
        // session's planned expiry.
        await this.sync.applyFromStripe(() => this.stripe.checkout.sessions.expire(open.stripeId));
        continue;
      } catch (error) {
        if (isMissing(error, 'session') || isMissing(error, 'id')) {
          // Stripe has no such session any more (a sandbox emulator started afresh).
          await this.sessions.markExpired(open.stripeId);
          continue;
        }
        if (!(error instanceof Stripe.errors.StripeInvalidRequestError)) throw error;
        completed =
          (await this.stripe.checkout.sessions.retrieve(open.stripeId)).status === 'complete';
      }
      await this.sync.refresh('checkout_session', open.stripeId);
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
