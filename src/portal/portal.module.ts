import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { PortalController } from './portal.controller';
import { PortalService } from './portal.service';

@Module({
  imports: [SubscriptionsModule, IdempotencyModule],
  controllers: [PortalController],
  providers: [PortalService],
})
export class PortalModule {}
