import { Inject, Injectable } from '@nestjs/common';
import type { AccountRef } from '../auth/request-context';
import { CLOCK, type Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { BillingSync } from '../sync';
import { AccountCache } from './account-cache';
import { computeEntitlements, type Entitlements, type GrantRow } from './entitlement-grants';
import type { EntitlementsDto, FeatureEntitlementDto } from './dto/entitlements.dto';
import { EntitlementsRepository } from './entitlements.repository';

/** Accounts whose entitlements are kept in memory at once (a few hundred bytes each). */
const CACHE_MAX_ACCOUNTS = 50_000;

interface CachedEntitlements {
  rows: GrantRow[];
  view: Entitlements;
}

@Injectable()
export class EntitlementsService {
  private readonly cache: AccountCache<CachedEntitlements>;
  private readonly graceDays: number;

  constructor(
    private readonly repo: EntitlementsRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
    sync: BillingSync,
  ) {
    this.graceDays = config.billing.pastDueGraceDays;
    // The TTL only bounds staleness from writes this instance did not see (another instance
    // took the webhook); writes it applies itself invalidate at once, after their commit.
    this.cache = new AccountCache(
      config.billing.entitlementsCacheSeconds * 1000,
      CACHE_MAX_ACCOUNTS,
    );
    sync.onCommitted((changed) => {
      // Features live on products: a catalog change can change anyone's entitlements.
      if (changed.catalogChanged) this.cache.clear();
      else this.cache.invalidate(changed.accounts);
    });
  }

  async list(account: AccountRef): Promise<EntitlementsDto> {
    const { features, plans, validUntil } = await this.entitlementsOf(account.id);
    return { features, plans, validUntil };
  }

  async check(account: AccountRef, feature: string): Promise<FeatureEntitlementDto> {
    const { featureSet } = await this.entitlementsOf(account.id);
    return { feature, entitled: featureSet.has(feature) };
  }

  private async entitlementsOf(accountId: string): Promise<Entitlements> {
    const cached = await this.cache.get(accountId, async () => {
      const rows = await this.repo.findGrantsByAccount(accountId);
      return { rows, view: computeEntitlements(rows, this.clock.now(), this.graceDays) };
    });
    // A grace window can run out with no event at all: past that moment the cached rows are
    // still right but the answer drawn from them is not.
    const { changesAt } = cached.view;
    if (changesAt !== null && this.clock.now().getTime() >= changesAt.getTime()) {
      cached.view = computeEntitlements(cached.rows, this.clock.now(), this.graceDays);
    }
    return cached.view;
  }
}
