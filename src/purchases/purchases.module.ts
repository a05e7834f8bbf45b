import { Module } from '@nestjs/common';
import { PurchasesRepository } from './purchases.repository';

@Module({
  providers: [PurchasesRepository],
  exports: [PurchasesRepository],
})
export class PurchasesModule {}
