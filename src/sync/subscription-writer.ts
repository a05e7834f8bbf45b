import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { BillingSyncService, SyncEffects } from './billing-sync.service';
import { idOf } from './stripe-ids';
import { SyncEffectsBus } from './sync-effects.bus';
import { SyncRepository } from './sync.repository';

/**
 * Writes a subscription object Stripe just returned to a command, through the webhook path's
 * lock and upserts: the response already shows the new state, and the webhook that follows
 * finds nothing to change.
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
      this.sync.syncSubscription(tx, subscription, effects),
    );
    this.effectsBus.publish(effects);
  }
}
