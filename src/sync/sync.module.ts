import { Global, Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { BillingSync } from './billing-sync';
import { ApplyEngine } from './engine/apply-engine';
import { CatalogDirectory } from './engine/catalog-directory';
import { SyncFanout } from './engine/fanout';
import { CoalescedFetcher } from './engine/fetcher';
import { SyncClock } from './engine/sync-clock';
import { SyncEffectsBus } from './engine/sync-effects';
import { SyncMetrics } from './engine/sync.metrics';
import { EventLedgerRepository } from './ledger/event-ledger.repository';
import { EventQueue } from './queue/event-queue';
import { ResyncService } from './resync/resync.service';
import { SyncScheduler } from './resync/sync.scheduler';

/** The sync engine. Only its front door, BillingSync, is exported. */
@Global()
@Module({
  imports: [IdempotencyModule],
  providers: [
    BillingSync,
    ApplyEngine,
    CatalogDirectory,
    CoalescedFetcher,
    SyncFanout,
    SyncClock,
    SyncEffectsBus,
    SyncMetrics,
    EventLedgerRepository,
    EventQueue,
    ResyncService,
    SyncScheduler,
  ],
  exports: [BillingSync],
})
export class SyncModule {}
