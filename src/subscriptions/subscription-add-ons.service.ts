import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import type { AccountRef } from '../auth/request-context';
import { CatalogRepository } from '../catalog/catalog.repository';
import { isAddOn } from '../catalog/price-options';
import { ApiError } from '../errors/api-error';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import type { AddAddOnDto, RemoveAddOnQueryDto } from './dto/subscription-commands.dto';
import type { CurrentSubscriptionDto } from './dto/subscription.dto';
import { SubscriptionChangePlanner, planItemOf } from './subscription-change-planner';
import { SubscriptionCommandsService } from './subscription-commands.service';

const productOf = (item: Stripe.SubscriptionItem): string =>
  typeof item.price.product === 'string' ? item.price.product : item.price.product.id;

/**
 * Add-ons: products marked `addon=true` sold beside the plan as extra items of the same
 * subscription, so they renew, prorate and end with it. The checks against Stripe's current items
 * happen before the update; what Stripe refuses changes nothing.
 */
@Injectable()
export class SubscriptionAddOnsService {
  constructor(
    private readonly planner: SubscriptionChangePlanner,
    private readonly commands: SubscriptionCommandsService,
    private readonly catalog: CatalogRepository,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
  ) {}

  async add(
    account: AccountRef,
    priceId: string,
    body: AddAddOnDto,
  ): Promise<CurrentSubscriptionDto> {
    const subscription = await this.planner.live(account);
    const price = await this.catalog.findSellablePrice(priceId);
    if (price === null) throw new ApiError('PRICE_NOT_FOUND');
    if (price.type !== 'RECURRING') throw new ApiError('PRICE_NOT_RECURRING');
    if (!isAddOn(price.product.metadata)) throw new ApiError('NOT_AN_ADD_ON');
    const plan = subscription.price;
    if (
      price.currency !== plan.currency ||
      price.interval !== plan.interval ||
      (price.intervalCount ?? 1) !== (plan.intervalCount ?? 1)
    )
      throw new ApiError('ADD_ON_INTERVAL_MISMATCH');
    const current = await this.stripe.subscriptions.retrieve(subscription.stripeId);
    if (current.items.data.some((item) => productOf(item) === price.productId))
      throw new ApiError('ADD_ON_ALREADY_ACTIVE');
    return this.commands.applyPlan(account, {
      subscription,
      items: [{ price: price.id, quantity: body.quantity ?? 1 }],
      prorationBehavior: body.prorationBehavior ?? 'create_prorations',
    });
  }

  async remove(
    account: AccountRef,
    priceId: string,
    query: RemoveAddOnQueryDto,
  ): Promise<CurrentSubscriptionDto> {
    const subscription = await this.planner.live(account);
    const current = await this.stripe.subscriptions.retrieve(subscription.stripeId);
    const plan = planItemOf(current, subscription.priceId);
    const item = current.items.data.find(
      (entry) => entry.price.id === priceId && entry.id !== plan.id,
    );
    if (item === undefined) throw new ApiError('ADD_ON_NOT_ACTIVE');
    return this.commands.applyPlan(account, {
      subscription,
      items: [{ id: item.id, deleted: true }],
      prorationBehavior: query.prorationBehavior ?? 'create_prorations',
    });
  }
}
