import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import type { AccountRef } from '../auth/request-context';
import { CatalogRepository } from '../catalog/catalog.repository';
import { ApiError } from '../errors/api-error';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { seatBoundsOf } from '../catalog/price-options';
import type { ChangeSubscriptionDto, SetSeatsDto } from './dto/subscription-commands.dto';
import { SubscriptionsRepository, type SubscriptionWithPrice } from './subscriptions.repository';

export type ProrationBehavior = 'create_prorations' | 'none' | 'always_invoice';

/** One update of a subscription's items, as both the change and its preview send it to Stripe. */
export interface PlannedItemsUpdate {
  subscription: SubscriptionWithPrice;
  items: { id?: string; price?: string; quantity?: number; deleted?: boolean }[];
  prorationBehavior: ProrationBehavior;
  /** Unix seconds; only with a proration behavior that prorates (Stripe refuses it with none). */
  prorationDate?: number;
}

const toUnix = (iso: string): number => Math.floor(new Date(iso).getTime() / 1000);

/**
 * The item that carries the plan: the one on the plan's price as mirrored, else the first.
 * Add-on items sit beside it and are never the plan.
 */
export function planItemOf(
  subscription: Stripe.Subscription,
  planPriceId: string,
): Stripe.SubscriptionItem {
  const item =
    subscription.items.data.find((entry) => entry.price.id === planPriceId) ??
    subscription.items.data[0];
  if (item === undefined) throw new ApiError('NO_ACTIVE_SUBSCRIPTION');
  return item;
}

/**
 * Validates a requested change against the local mirror and turns it into Stripe's update
 * parameters, so the preview and the change itself send exactly the same thing.
 */
@Injectable()
export class SubscriptionChangePlanner {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly catalog: CatalogRepository,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
  ) {}

  async live(account: AccountRef): Promise<SubscriptionWithPrice> {
    const [live] = await this.subscriptions.findLiveByAccount(account.id);
    if (live === undefined) throw new ApiError('NO_ACTIVE_SUBSCRIPTION');
    return live;
  }

  async planChange(account: AccountRef, body: ChangeSubscriptionDto): Promise<PlannedItemsUpdate> {
    const subscription = await this.live(account);
    const price = await this.catalog.findSellablePrice(body.priceId);
    if (price === null) throw new ApiError('PRICE_NOT_FOUND');
    if (price.type !== 'RECURRING') throw new ApiError('PRICE_NOT_RECURRING');
    const quantity = body.quantity ?? subscription.quantity;
    const bounds = seatBoundsOf(price.metadata, price.product.metadata);
    if (bounds !== null && (quantity < bounds.min || quantity > bounds.max))
      throw new ApiError(
        'SEATS_OUT_OF_RANGE',
        `This plan is sold with ${bounds.min} to ${bounds.max} seats.`,
        [{ field: 'quantity', message: `must be between ${bounds.min} and ${bounds.max}` }],
      );
    if (price.id === subscription.priceId && quantity === subscription.quantity)
      throw new ApiError('SAME_PRICE');
    const current = await this.stripe.subscriptions.retrieve(subscription.stripeId);
    const item = planItemOf(current, subscription.priceId);
    return withProrationDate(
      {
        subscription,
        items: [{ id: item.id, price: price.id, quantity }],
        prorationBehavior: body.prorationBehavior ?? 'create_prorations',
      },
      body.prorationDate,
    );
  }

  /** The current plan's item set to `seats`, within the bounds its price allows. */
  async planSeats(account: AccountRef, body: SetSeatsDto): Promise<PlannedItemsUpdate> {
    const subscription = await this.live(account);
    const bounds = seatBoundsOf(subscription.price.metadata, subscription.price.product.metadata);
    if (bounds === null) throw new ApiError('PRICE_NOT_PER_SEAT');
    if (body.seats < bounds.min || body.seats > bounds.max)
      throw new ApiError(
        'SEATS_OUT_OF_RANGE',
        `This plan is sold with ${bounds.min} to ${bounds.max} seats.`,
        [{ field: 'seats', message: `must be between ${bounds.min} and ${bounds.max}` }],
      );
    if (body.seats === subscription.quantity) throw new ApiError('SEATS_UNCHANGED');
    const current = await this.stripe.subscriptions.retrieve(subscription.stripeId);
    const item = planItemOf(current, subscription.priceId);
    return withProrationDate(
      {
        subscription,
        items: [{ id: item.id, quantity: body.seats }],
        prorationBehavior: body.prorationBehavior ?? 'create_prorations',
      },
      body.prorationDate,
    );
  }
}

export function withProrationDate(
  plan: PlannedItemsUpdate,
  prorationDate: string | undefined,
): PlannedItemsUpdate {
  if (prorationDate === undefined || plan.prorationBehavior === 'none') return plan;
  return { ...plan, prorationDate: toUnix(prorationDate) };
}

/** The update as `subscriptions.update` takes it. */
export function toSubscriptionUpdate(plan: PlannedItemsUpdate): Stripe.SubscriptionUpdateParams {
  return {
    items: plan.items,
    proration_behavior: plan.prorationBehavior,
    ...(plan.prorationDate === undefined ? {} : { proration_date: plan.prorationDate }),
  };
}

/** The same update as `invoices.createPreview` previews it. */
export function toPreviewDetails(
  plan: PlannedItemsUpdate,
  prorationBehavior: ProrationBehavior = plan.prorationBehavior,
): Stripe.InvoiceCreatePreviewParams.SubscriptionDetails {
  return {
    items: plan.items,
    proration_behavior: prorationBehavior,
    ...(plan.prorationDate === undefined || prorationBehavior === 'none'
      ? {}
      : { proration_date: plan.prorationDate }),
  };
}
