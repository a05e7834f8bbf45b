import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { BillingCustomerService } from '../accounts/billing-customer.service';
import type { Principal } from '../auth/principal';
import type { AccountRef } from '../auth/request-context';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ApiError } from '../errors/api-error';
import type { SubscriptionStatus } from '../generated/prisma/enums';
import { withBuyerEmail } from '../checkout/checkout.service';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';
import { BillingSync } from '../sync';
import type {
  CreateSetupSessionDto,
  PaymentMethodDto,
  SetupSessionDto,
} from './dto/payment-methods.dto';
import { toPaymentMethodDto } from './payment-method.presenter';
import { PaymentMethodsRepository } from './payment-methods.repository';

const idOfMethod = (value: string | Stripe.PaymentMethod | null): string | null =>
  value === null ? null : typeof value === 'string' ? value : value.id;

/** Subscriptions that will charge a card again: their last card may not be removed. */
const BILLED_STATUSES: readonly SubscriptionStatus[] = ['active', 'trialing', 'past_due'];

/**
 * Saved cards: listed from the mirror the sync engine keeps (payment_method.* and
 * customer.updated events); added through a Checkout session in setup mode; made default and
 * removed at Stripe first, with Stripe's answer applied through the engine's front door so the
 * answer already shows it and the webhook that follows finds nothing to change.
 */
@Injectable()
export class PaymentMethodsService {
  constructor(
    private readonly methods: PaymentMethodsRepository,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly customers: BillingCustomerService,
    private readonly sync: BillingSync,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(account: AccountRef): Promise<PaymentMethodDto[]> {
    const { cards, defaultPaymentMethodId } = await this.methods.findAttachedByAccount(account.id);
    return cards.map((card) => toPaymentMethodDto(card, defaultPaymentMethodId));
  }

  /**
   * A Checkout session in setup mode on the account's customer (created on first use, as for a
   * purchase): the buyer enters a card, Stripe saves it, `payment_method.attached` brings it
   * here. Saving a card does not make it the default; that is the buyer's next choice.
   */
  async createSetupSession(
    account: AccountRef,
    principal: Principal,
    body: CreateSetupSessionDto,
    idempotencyKey: string | undefined,
  ): Promise<SetupSessionDto> {
    const { frontendUrl, billing } = this.config;
    const customer = await this.customers.ensureCustomer(account.id, principal.email);
    const metadata: Record<string, string> = {
      accountId: account.id,
      userId: principal.userId,
      ...(principal.orgId !== undefined ? { orgId: principal.orgId } : {}),
    };
    const successUrl = `${frontendUrl}${body.successPath ?? billing.portalReturnPath}?setup_session_id={CHECKOUT_SESSION_ID}`;
    const session = await this.stripe.checkout.sessions.create(
      {
        mode: 'setup',
        customer,
        client_reference_id: account.id,
        metadata: withBuyerEmail(metadata, principal.email),
        allowed_payment_method_types: [...billing.paymentMethodTypes],
        setup_intent_data: { metadata },
        ...(body.uiMode === 'embedded'
          ? {
              ui_mode: 'embedded_page',
              redirect_on_completion: 'if_required',
              return_url: successUrl,
            }
          : {
              ui_mode: 'hosted_page',
              success_url: successUrl,
              cancel_url: `${frontendUrl}${body.cancelPath ?? billing.portalReturnPath}`,
            }),
      },
      // The client's key, scoped to the account and customer, makes Stripe's side of a retry
      // return the session it already made.
      idempotencyKey === undefined
        ? undefined
        : { idempotencyKey: `setup-${account.id}-${customer}-${idempotencyKey}` },
    );
    return {
      sessionId: session.id,
      ...(session.url !== null ? { url: session.url } : {}),
      ...(session.client_secret !== null ? { clientSecret: session.client_secret } : {}),
      mode: 'setup',
      expiresAt: new Date(session.expires_at * 1000),
    };
  }

  /** The card invoices are charged to: the customer's, and the current subscription's. */
  async makeDefault(account: AccountRef, paymentMethodId: string): Promise<PaymentMethodDto[]> {
    const customer = await this.ownedCard(account, paymentMethodId);
    await this.setDefault(account, customer, paymentMethodId);
    return this.list(account);
  }

  /**
   * Detaches a card. The only card of a subscription that will charge again is refused (the
   * next invoice would fail); Stripe's own list decides what "only" means, not the mirror, which
   * may not have seen a card added a moment ago. Removing the default card makes the newest
   * remaining one the default, so the subscription keeps a card to charge.
   */
  async remove(account: AccountRef, paymentMethodId: string): Promise<PaymentMethodDto[]> {
    const customer = await this.ownedCard(account, paymentMethodId);
    const cards = await this.stripe.customers.listPaymentMethods(customer, {
      type: 'card',
      limit: 100,
    });
    const others = cards.data
      .filter((card) => card.id !== paymentMethodId)
      .sort((a, b) => b.created - a.created);
    const live = await this.subscriptions.findLiveByAccount(account.id);
    if (others.length === 0 && live.some((sub) => BILLED_STATUSES.includes(sub.status)))
      throw new ApiError('LAST_PAYMENT_METHOD');
    const customerNow = await this.stripe.customers.retrieve(customer);
    const wasDefault =
      !('deleted' in customerNow && customerNow.deleted === true) &&
      idOfMethod((customerNow as Stripe.Customer).invoice_settings.default_payment_method) ===
        paymentMethodId;
    // Promote first: the subscription never points at a card that is gone.
    if (wasDefault && others.length > 0) await this.setDefault(account, customer, others[0].id);
    await this.sync.applyFromStripe(() => this.stripe.paymentMethods.detach(paymentMethodId));
    return this.list(account);
  }

  /** The account's customer, when the card is one of the account's attached cards. */
  private async ownedCard(account: AccountRef, paymentMethodId: string): Promise<string> {
    const found = await this.methods.findAttached(account.id, paymentMethodId);
    if (found === null) throw new ApiError('PAYMENT_METHOD_NOT_FOUND');
    return found.customerId;
  }

  private async setDefault(
    account: AccountRef,
    customer: string,
    paymentMethodId: string,
  ): Promise<void> {
    await this.sync.applyFromStripe(() =>
      this.stripe.customers.update(customer, {
        invoice_settings: { default_payment_method: paymentMethodId },
      }),
    );
    for (const subscription of await this.subscriptions.findLiveByAccount(account.id))
      await this.sync.applyFromStripe(() =>
        this.stripe.subscriptions.update(subscription.stripeId, {
          default_payment_method: paymentMethodId,
        }),
      );
  }
}
