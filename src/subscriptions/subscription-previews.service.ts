import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import type { AccountRef } from '../auth/request-context';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import type { ChangePreviewDto, UpcomingInvoiceDto } from './dto/invoice-preview.dto';
import type { ChangeSubscriptionDto, SetSeatsDto } from './dto/subscription-commands.dto';
import { toInvoicePreview } from './invoice-preview.mapper';
import {
  SubscriptionChangePlanner,
  toPreviewDetails,
  type PlannedItemsUpdate,
} from './subscription-change-planner';
import { SubscriptionsRepository } from './subscriptions.repository';

const nothingUpcoming = (error: unknown): boolean =>
  error instanceof Stripe.errors.StripeInvalidRequestError &&
  error.code === 'invoice_upcoming_none';

/**
 * What the next invoice will be, and what a change would cost, from Stripe's own invoice
 * previews (`invoices.createPreview`): computed by Stripe from copies, so nothing changes.
 */
@Injectable()
export class SubscriptionPreviewsService {
  constructor(
    private readonly planner: SubscriptionChangePlanner,
    private readonly subscriptions: SubscriptionsRepository,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
  ) {}

  async upcoming(account: AccountRef): Promise<UpcomingInvoiceDto> {
    const [live] = await this.subscriptions.findLiveByAccount(account.id);
    // A pending cancellation or a pause bills nothing next; Stripe would answer the same.
    if (
      live === undefined ||
      live.status === 'paused' ||
      live.cancelAtPeriodEnd ||
      live.cancelAt !== null
    )
      return { invoice: null };
    try {
      const invoice = await this.stripe.invoices.createPreview({ subscription: live.stripeId });
      return { invoice: toInvoicePreview(invoice) };
    } catch (error) {
      if (nothingUpcoming(error)) return { invoice: null };
      throw error;
    }
  }

  async previewChange(account: AccountRef, body: ChangeSubscriptionDto): Promise<ChangePreviewDto> {
    return this.previewPlan(await this.planner.planChange(account, body));
  }

  async previewSeats(account: AccountRef, body: SetSeatsDto): Promise<ChangePreviewDto> {
    return this.previewPlan(await this.planner.planSeats(account, body));
  }

  /**
   * The invoice Stripe would create for the update. When it is billed at once (always_invoice,
   * or a restarted period), a second preview without prorations shows the renewal that follows.
   */
  async previewPlan(plan: PlannedItemsUpdate): Promise<ChangePreviewDto> {
    const first = await this.stripe.invoices.createPreview({
      subscription: plan.subscription.stripeId,
      subscription_details: toPreviewDetails(plan),
    });
    const prorationDate =
      first.parent?.subscription_details?.subscription_proration_date ??
      plan.prorationDate ??
      first.created;
    if (first.billing_reason !== 'subscription_update')
      return {
        prorationDate: new Date(prorationDate * 1000),
        amountDueNow: 0,
        immediateInvoice: null,
        nextInvoice: toInvoicePreview(first),
      };
    const after = await this.stripe.invoices.createPreview({
      subscription: plan.subscription.stripeId,
      subscription_details: toPreviewDetails(plan, 'none'),
    });
    return {
      prorationDate: new Date(prorationDate * 1000),
      amountDueNow: first.amount_due,
      immediateInvoice: toInvoicePreview(first),
      nextInvoice: after.billing_reason === 'subscription_update' ? null : toInvoicePreview(after),
    };
  }
}
