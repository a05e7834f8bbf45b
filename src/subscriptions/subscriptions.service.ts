import { Inject, Injectable } from '@nestjs/common';
import type { AccountRef } from '../auth/request-context';
import { CLOCK, type Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { PurchasesRepository } from '../purchases/purchases.repository';
import type { CurrentSubscriptionDto, SubscriptionDto } from './dto/subscription.dto';
import { toLifetimePlanDto, toSubscriptionDto } from './subscription.presenter';
import { SubscriptionsRepository } from './subscriptions.repository';

@Injectable()
export class SubscriptionsService {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly purchases: PurchasesRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The account's plan (DESIGN §3): its live subscription, else a lifetime purchase, else the
   * most recently ended subscription still inside its paid period, else null.
   */
  async current(account: AccountRef): Promise<CurrentSubscriptionDto> {
    const now = this.clock.now();
    const grace = this.config.billing.pastDueGraceDays;
    const [{ live, current }, lifetimes] = await Promise.all([
      this.subscriptions.findLiveAndCurrent(account.id, now),
      this.purchases.findActiveLifetimeByAccount(account.id),
    ]);
    if (live[0] !== undefined) return { subscription: toSubscriptionDto(live[0], now, grace) };
    if (lifetimes[0] !== undefined) return { subscription: toLifetimePlanDto(lifetimes[0]) };
    // No live subscription: `current` is the ended one still inside its paid period, if any.
    return { subscription: current === null ? null : toSubscriptionDto(current, now, grace) };
  }

  async list(account: AccountRef): Promise<SubscriptionDto[]> {
    const now = this.clock.now();
    const rows = await this.subscriptions.findAllByAccount(account.id);
    return rows.map((row) => toSubscriptionDto(row, now, this.config.billing.pastDueGraceDays));
  }
}
