import { Module } from '@nestjs/common';
import { BillingProfileController } from './billing-profile.controller';
import { BillingProfileRepository } from './billing-profile.repository';
import { BillingProfileService } from './billing-profile.service';

@Module({
  controllers: [BillingProfileController],
  providers: [BillingProfileRepository, BillingProfileService],
})
export class BillingProfileModule {}
