import { Module } from '@nestjs/common';
import { InvoicesModule } from '../invoices/invoices.module';
import { AdminPaymentsController } from './admin-payments.controller';
import { PaymentRefundsService } from './payment-refunds.service';
import { PaymentsController } from './payments.controller';
import { PaymentsRepository } from './payments.repository';
import { PaymentsService } from './payments.service';

@Module({
  imports: [InvoicesModule],
  controllers: [PaymentsController, AdminPaymentsController],
  providers: [PaymentsRepository, PaymentsService, PaymentRefundsService],
  exports: [PaymentsRepository, PaymentsService],
})
export class PaymentsModule {}
