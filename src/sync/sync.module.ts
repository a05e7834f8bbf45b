import { Global, Module } from '@nestjs/common';
import { BillingSyncService } from './billing-sync.service';
import { CatalogSyncService } from './catalog-sync.service';
import { SyncEffectsBus } from './sync-effects.bus';
import { SyncRepository } from './sync.repository';

@Global()
@Module({
  providers: [SyncRepository, BillingSyncService, CatalogSyncService, SyncEffectsBus],
  exports: [SyncRepository, BillingSyncService, CatalogSyncService, SyncEffectsBus],
})
export class SyncModule {}
