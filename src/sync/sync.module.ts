import { Global, Module } from '@nestjs/common';
import { BillingSyncService } from './billing-sync.service';
import { CatalogSyncService } from './catalog-sync.service';
import { ResyncService } from './resync.service';
import { SyncEffectsBus } from './sync-effects.bus';
import { SyncRepository } from './sync.repository';

@Global()
@Module({
  providers: [
    SyncRepository,
    BillingSyncService,
    CatalogSyncService,
    ResyncService,
    SyncEffectsBus,
  ],
  exports: [SyncRepository, BillingSyncService, CatalogSyncService, ResyncService, SyncEffectsBus],
})
export class SyncModule {}
