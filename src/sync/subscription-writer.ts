import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { BillingSyncService, SyncEffects } from './billing-sync.service';
import { idOf } from './stripe-ids';
import { SyncEffectsBus } from './sync-effects.bus';
import { SyncRepository } from './sync.repository';

/**
 * After a command changed a subscription in Stripe, writes it through the webhook path's lock
 * and upserts, so the response already shows the new state and the webhook that follows finds
 * nothing to change. The object is re-fetched under the lock rather than taken from the
 * command's answer: an event applied meanwhile may carry newer state, which must not be undone.
 */
@Injectable()
export class SubscriptionWriter {
  constructor(
    private readonly repo: SyncRepository,
    private readonly sync: BillingSyncService,
    private readonly effectsBus: SyncEffectsBus,
  ) {}

  async write(subscription: Stripe.Subscription): Promise<void> {
    const effects = new SyncEffects();
    await this.repo.inLockedTransaction(`customer:${idOf(subscription.customer)}`, (tx) =>
      this.sync.apply(tx, 'subscription', subscription.id, effects),
    );
    this.effectsBus.publish(effects);
  }
}
