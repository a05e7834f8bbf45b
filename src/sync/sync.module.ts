import { Global, Module } from '@nestjs/common';
import { BillingSyncService } from './billing-sync.service';
import { CatalogSyncService } from './catalog-sync.service';
import { ResyncService } from './resync.service';
import { SubscriptionWriter } from './subscription-writer';
import { SyncEffectsBus } from './sync-effects.bus';
import { SyncRepository } from './sync.repository';

@Global()
@Module({
  providers: [
    SyncRepository,
    BillingSyncService,
    CatalogSyncService,
    ResyncService,
    SubscriptionWriter,
    SyncEffectsBus,
  ],
  exports: [
    SyncRepository,
    BillingSyncService,
    CatalogSyncService,
    ResyncService,
    SubscriptionWriter,
    SyncEffectsBus,
  ],
})
export class SyncModule {}
