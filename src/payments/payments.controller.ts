import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentAccount } from '../auth/current.decorators';
import type { AccountRef } from '../auth/request-context';
import { ApiErrors } from '../errors/api-errors.decorator';
import { PaymentPageDto, PaymentsQueryDto } from './dto/payments.dto';
import { PaymentsService } from './payments.service';

@ApiTags('payments')
@ApiBearerAuth()
@Controller('payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @Get()
  @ApiOperation({
    summary: "The account's billing history, newest first",
    description:
      'Invoices (paid or failed), one-time payments, expired checkouts, subscription cancellations and refunds. ' +
      '`from` is inclusive and `to` exclusive; `from` after `to` is a 400. Pages follow `nextCursor` ' +
      '(keyset on occurredAt and id), so rows recorded while paging never cause gaps or repeats.',
  })
  @ApiOkResponse({ type: PaymentPageDto })
  @ApiErrors('VALIDATION_FAILED', 'UNAUTHENTICATED')
  list(
    @CurrentAccount() account: AccountRef,
    @Query() query: PaymentsQueryDto,
  ): Promise<PaymentPageDto> {
    return this.payments.history(account, query);
  }
}
