import { Global, Module } from '@nestjs/common';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { BillingCustomerService } from './billing-customer.service';

@Global()
@Module({
  providers: [AccountsRepository, AccountsService, BillingCustomerService],
  exports: [AccountsRepository, AccountsService, BillingCustomerService],
})
export class AccountsModule {}
