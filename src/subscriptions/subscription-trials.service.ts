import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { CLOCK, type Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ApiError } from '../errors/api-error';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { BillingSync } from '../sync';
import type { SubscriptionDto } from './dto/subscription.dto';
import { toSubscriptionDto } from './subscription.presenter';
import { SubscriptionsRepository } from './subscriptions.repository';

/** Stripe's longest trial: 730 days from now. */
export const MAX_TRIAL_DAYS = 730;

/** Support's trial extension (admin): a later trial end, nothing billed for the change. */
@Injectable()
export class SubscriptionTrialsService {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly sync: BillingSync,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Moves a trialing subscription's trial end later. The rules are checked on the mirror (the
   * service's view, which support sees); Stripe has the last word. What Stripe answers is
   * written through the sync engine, so the answer shows the new trial end; Stripe sends
   * `customer.subscription.trial_will_end` again when the new end is within three days.
   */
  async extend(stripeId: string, trialEndIso: string): Promise<SubscriptionDto> {
    const row = await this.subscriptions.findAnyByStripeId(stripeId);
    if (row === null) throw new ApiError('SUBSCRIPTION_NOT_FOUND');
    if (row.status !== 'trialing') throw new ApiError('SUBSCRIPTION_NOT_TRIALING');
    // Stripe's timestamps are whole seconds.
    const trialEnd = Math.floor(new Date(trialEndIso).getTime() / 1000);
    const now = this.clock.now();
    const nowSeconds = Math.floor(now.getTime() / 1000);
    if (trialEnd <= nowSeconds) throw new ApiError('TRIAL_END_NOT_IN_FUTURE');
    if (row.trialEnd !== null && trialEnd <= Math.floor(row.trialEnd.getTime() / 1000))
      throw new ApiError('TRIAL_END_NOT_LATER');
    if (trialEnd > nowSeconds + MAX_TRIAL_DAYS * 86_400) throw new ApiError('TRIAL_END_TOO_FAR');
    await this.sync.applyFromStripe(() =>
      this.stripe.subscriptions.update(stripeId, {
        trial_end: trialEnd,
        proration_behavior: 'none',
      }),
    );
    const updated = (await this.subscriptions.findAnyByStripeId(stripeId)) ?? row;
    return toSubscriptionDto(updated, now, this.config.billing.pastDueGraceDays);
  }
}
