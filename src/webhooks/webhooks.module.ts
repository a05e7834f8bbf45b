import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { SyncModule } from '../sync/sync.module';
import { SyncScheduler } from '../sync/sync.scheduler';
import { WebhookLedgerRepository } from './webhook-ledger.repository';
import { WebhookMetrics } from './webhook.metrics';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

@Module({
  imports: [SyncModule, IdempotencyModule],
  controllers: [WebhooksController],
  providers: [WebhookLedgerRepository, WebhookMetrics, WebhooksService, SyncScheduler],
  exports: [WebhookLedgerRepository, WebhooksService],
})
export class WebhooksModule {}
