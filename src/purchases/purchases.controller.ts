import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentAccount } from '../auth/current.decorators';
import type { AccountRef } from '../auth/request-context';
import { ApiErrors } from '../errors/api-errors.decorator';
import { PurchaseDto } from './dto/purchase.dto';
import { PurchasesService } from './purchases.service';

@ApiTags('purchases')
@ApiBearerAuth()
@Controller('purchases')
export class PurchasesController {
  constructor(private readonly purchases: PurchasesService) {}

  @Get()
  @ApiOperation({
    summary: "The account's one-time and lifetime purchases, newest first",
    description: 'Refunded purchases stay listed with status REFUNDED and `refundedAt`.',
  })
  @ApiOkResponse({ type: [PurchaseDto] })
  @ApiErrors('UNAUTHENTICATED')
  list(@CurrentAccount() account: AccountRef): Promise<PurchaseDto[]> {
    return this.purchases.list(account);
  }
}
