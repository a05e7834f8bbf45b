import { Injectable } from '@nestjs/common';
import type { AccountRef } from '../auth/request-context';
import type { PurchaseDto } from './dto/purchase.dto';
import { toPurchaseDto } from './purchase.presenter';
import { PurchasesRepository } from './purchases.repository';

@Injectable()
export class PurchasesService {
  constructor(private readonly purchases: PurchasesRepository) {}

  async list(account: AccountRef): Promise<PurchaseDto[]> {
    const rows = await this.purchases.findAllByAccount(account.id);
    return rows.map(toPurchaseDto);
  }
}
