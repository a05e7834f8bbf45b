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

  async resume(account: AccountRef): Promise<CurrentSubscriptionDto> {
    const subscription = await this.live(account);
    if (!subscription.cancelAtPeriodEnd && subscription.cancelAt === null)
      throw new ApiError('NOTHING_TO_RESUME');
    return this.apply(account, () =>
      this.stripe.subscriptions.update(subscription.stripeId, {
        cancel_at_period_end: false,
        cancel_at: '',
      }),
    );
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
