import { Module } from '@nestjs/common';
import { SyncModule } from '../sync/sync.module';
import { WebhookLedgerRepository } from './webhook-ledger.repository';
import { WebhookMetrics } from './webhook.metrics';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

@Module({
  imports: [SyncModule],
  controllers: [WebhooksController],
  providers: [WebhookLedgerRepository, WebhookMetrics, WebhooksService],
  exports: [WebhookLedgerRepository, WebhooksService],
})
export class WebhooksModule {}
