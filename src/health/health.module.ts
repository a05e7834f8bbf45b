import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HealthRepository } from './health.repository';
import { HealthService } from './health.service';
import { StripeStatusProbe } from './stripe-status.probe';

@Module({
  controllers: [HealthController],
  providers: [HealthRepository, HealthService, StripeStatusProbe],
})
export class HealthModule {}
