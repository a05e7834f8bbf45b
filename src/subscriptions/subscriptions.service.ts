import { Inject, Injectable } from '@nestjs/common';
import type { AccountRef } from '../auth/request-context';
import { CLOCK, type Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { CurrentSubscriptionDto, SubscriptionDto } from './dto/subscription.dto';
import { toSubscriptionDto } from './subscription.presenter';
import { SubscriptionsRepository } from './subscriptions.repository';

@Injectable()
export class SubscriptionsService {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async current(account: AccountRef): Promise<CurrentSubscriptionDto> {
    const now = this.clock.now();
    const row = await this.subscriptions.findCurrentByAccount(account.id, now);
    return {
      subscription:
        row === null ? null : toSubscriptionDto(row, now, this.config.billing.pastDueGraceDays),
    };
  }

  async list(account: AccountRef): Promise<SubscriptionDto[]> {
    const now = this.clock.now();
    const rows = await this.subscriptions.findAllByAccount(account.id);
    return rows.map((row) => toSubscriptionDto(row, now, this.config.billing.pastDueGraceDays));
  }
}
