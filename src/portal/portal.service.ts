import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { AccountsRepository } from '../accounts/accounts.repository';
import type { AccountRef } from '../auth/request-context';
import { CLOCK, type Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ApiError } from '../errors/api-error';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';
import type { CreatePortalSessionDto, PortalSessionDto } from './dto/portal.dto';

@Injectable()
export class PortalService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly subscriptions: SubscriptionsRepository,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async createSession(
    accountRef: AccountRef,
    body: CreatePortalSessionDto,
  ): Promise<PortalSessionDto> {
    const account = await this.accounts.findById(accountRef.id);
    if (account?.stripeCustomerId == null) throw new ApiError('NO_BILLING_CUSTOMER');
    const returnUrl =
      this.config.frontendUrl + (body.returnPath ?? this.config.billing.portalReturnPath);
    const session = await this.stripe.billingPortal.sessions.create({
      customer: account.stripeCustomerId,
      return_url: returnUrl,
      flow_data: await this.flowData(account.id, body.flow, returnUrl),
    });
    return { url: session.url };
  }

  /** Deep links: subscription flows need the live subscription they act on. */
  private async flowData(
    accountId: string,
    flow: CreatePortalSessionDto['flow'],
    returnUrl: string,
  ): Promise<Stripe.BillingPortal.SessionCreateParams.FlowData | undefined> {
    if (flow === undefined) return undefined;
    const afterCompletion = { type: 'redirect' as const, redirect: { return_url: returnUrl } };
    if (flow === 'payment_method_update') return { type: flow, after_completion: afterCompletion };
    const current = await this.subscriptions.findCurrentByAccount(accountId, this.clock.now());
    if (current === null || current.status === 'canceled')
      throw new ApiError('NO_ACTIVE_SUBSCRIPTION');
    return flow === 'subscription_cancel'
      ? {
          type: flow,
          subscription_cancel: { subscription: current.stripeId },
          after_completion: afterCompletion,
        }
      : {
          type: flow,
          subscription_update: { subscription: current.stripeId },
          after_completion: afterCompletion,
        };
  }
}
