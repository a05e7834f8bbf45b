import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import type { AccountRef } from '../auth/request-context';
import { ApiError } from '../errors/api-error';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { BillingSync } from '../sync';
import type {
  CancelSubscriptionDto,
  ChangeSubscriptionDto,
  SetSeatsDto,
} from './dto/subscription-commands.dto';
import type { CurrentSubscriptionDto } from './dto/subscription.dto';
import {
  SubscriptionChangePlanner,
  toSubscriptionUpdate,
  type PlannedItemsUpdate,
} from './subscription-change-planner';
import type { SubscriptionWithPrice } from './subscriptions.repository';
import { SubscriptionsService } from './subscriptions.service';

/**
 * Cancel, resume and change plan: Stripe first — outside any transaction — then what Stripe
 * answered goes through the sync engine's front door, which writes it in one short transaction
 * only if no newer state (a webhook meanwhile) is already stored, so the answer shows the new
 * state and the webhook that follows finds nothing to change.
 */
@Injectable()
export class SubscriptionCommandsService {
  constructor(
    private readonly planner: SubscriptionChangePlanner,
    private readonly reads: SubscriptionsService,
    private readonly sync: BillingSync,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
  ) {}

  private live(account: AccountRef): Promise<SubscriptionWithPrice> {
    return this.planner.live(account);
  }

  private async apply(
    account: AccountRef,
    call: () => Promise<Stripe.Subscription>,
  ): Promise<CurrentSubscriptionDto> {
    await this.sync.applyFromStripe(call);
    return this.reads.current(account);
  }

  async cancel(account: AccountRef, body: CancelSubscriptionDto): Promise<CurrentSubscriptionDto> {
    const subscription = await this.live(account);
    if (body.atPeriodEnd ?? true) {
      if (subscription.cancelAtPeriodEnd || subscription.cancelAt !== null)
        throw new ApiError('SUBSCRIPTION_ALREADY_CANCELED');
      return this.apply(account, () =>
        this.stripe.subscriptions.update(subscription.stripeId, { cancel_at_period_end: true }),
      );
    }
    return this.apply(account, () => this.stripe.subscriptions.cancel(subscription.stripeId));
  }

  /**
   * Undoes a pending cancellation; or resumes a subscription paused at the end of a trial without
   * a card, once one is on file (Stripe bills a new period at once).
   */
  async resume(account: AccountRef): Promise<CurrentSubscriptionDto> {
    const subscription = await this.live(account);
    if (subscription.status === 'paused') return this.resumePaused(account, subscription.stripeId);
    if (!subscription.cancelAtPeriodEnd && subscription.cancelAt === null)
      throw new ApiError('NOTHING_TO_RESUME');
    return this.apply(account, () =>
      this.stripe.subscriptions.update(subscription.stripeId, {
        cancel_at_period_end: false,
        cancel_at: '',
      }),
    );
  }

  /**
   * Asked of Stripe, not of the mirror: the card may have been added a moment ago and its
   * `customer.updated` not have arrived yet. Without one, Stripe would resume into a failed
   * payment (past_due): refused here instead.
   */
  private async resumePaused(
    account: AccountRef,
    stripeId: string,
  ): Promise<CurrentSubscriptionDto> {
    const current = await this.stripe.subscriptions.retrieve(stripeId, { expand: ['customer'] });
    const customer = typeof current.customer === 'object' ? current.customer : null;
    const card =
      current.default_payment_method ??
      current.default_source ??
      (customer !== null && !customer.deleted
        ? (customer.invoice_settings.default_payment_method ?? customer.default_source)
        : null);
    if (card === null) throw new ApiError('PAYMENT_METHOD_REQUIRED');
    return this.apply(account, () => this.stripe.subscriptions.resume(stripeId));
  }

  async change(account: AccountRef, body: ChangeSubscriptionDto): Promise<CurrentSubscriptionDto> {
    return this.applyPlan(account, await this.planner.planChange(account, body));
  }

  async setSeats(account: AccountRef, body: SetSeatsDto): Promise<CurrentSubscriptionDto> {
    return this.applyPlan(account, await this.planner.planSeats(account, body));
  }

  /** Sends a planned items update to Stripe; what Stripe refuses changes nothing here. */
  applyPlan(account: AccountRef, plan: PlannedItemsUpdate): Promise<CurrentSubscriptionDto> {
    return this.apply(account, () =>
      this.stripe.subscriptions.update(plan.subscription.stripeId, toSubscriptionUpdate(plan)),
    );
  }
}
