import { Module } from '@nestjs/common';
import { PurchasesModule } from '../purchases/purchases.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { CatalogController } from './catalog.controller';
import { CatalogRepository } from './catalog.repository';
import { CatalogService } from './catalog.service';

@Module({
  imports: [SubscriptionsModule, PurchasesModule],
  controllers: [CatalogController],
  providers: [CatalogRepository, CatalogService],
  exports: [CatalogRepository, CatalogService],
})
export class CatalogModule {}
