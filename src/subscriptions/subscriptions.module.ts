import { Module } from '@nestjs/common';
import { CatalogRepository } from '../catalog/catalog.repository';
import { PurchasesModule } from '../purchases/purchases.module';
import { SubscriptionsController } from './subscriptions.controller';
import { SubscriptionsRepository } from './subscriptions.repository';
import { SubscriptionsService } from './subscriptions.service';
import { SubscriptionCommandsService } from './subscription-commands.service';
import { SubscriptionChangePlanner } from './subscription-change-planner';
import { SubscriptionPreviewsService } from './subscription-previews.service';
import { SubscriptionAddOnsService } from './subscription-add-ons.service';
import { SubscriptionTrialsService } from './subscription-trials.service';

@Module({
  imports: [PurchasesModule],
  controllers: [SubscriptionsController],
  // The catalog's repository is stateless; providing it here avoids a module cycle with catalog.
  providers: [
    SubscriptionsRepository,
    SubscriptionsService,
    SubscriptionCommandsService,
    SubscriptionChangePlanner,
    SubscriptionPreviewsService,
    SubscriptionAddOnsService,
    SubscriptionTrialsService,
    CatalogRepository,
  ],
  exports: [SubscriptionsRepository, SubscriptionsService, SubscriptionTrialsService],
})
export class SubscriptionsModule {}
