import { Module } from '@nestjs/common';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { PortalController } from './portal.controller';
import { PortalService } from './portal.service';

@Module({
  imports: [SubscriptionsModule],
  controllers: [PortalController],
  providers: [PortalService],
})
export class PortalModule {}
