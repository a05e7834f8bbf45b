import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { PurchasesModule } from '../purchases/purchases.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { CheckoutClaimsRepository } from './checkout-claims.repository';
import { CheckoutController } from './checkout.controller';
import { CheckoutRepository } from './checkout.repository';
import { CheckoutService } from './checkout.service';

@Module({
  imports: [CatalogModule, SubscriptionsModule, PurchasesModule, IdempotencyModule],
  controllers: [CheckoutController],
  providers: [CheckoutRepository, CheckoutClaimsRepository, CheckoutService],
})
export class CheckoutModule {}
