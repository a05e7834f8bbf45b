import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentAccount } from '../auth/current.decorators';
import type { AccountRef } from '../auth/request-context';
import { ApiErrors } from '../errors/api-errors.decorator';
import {
  InvoiceDto,
  InvoiceIdParamDto,
  InvoicePageDto,
  InvoicesQueryDto,
} from './dto/invoices.dto';
import { InvoicesService } from './invoices.service';

@ApiTags('invoices')
@ApiBearerAuth()
@Controller('invoices')
export class InvoicesController {
  constructor(private readonly invoices: InvoicesService) {}

  @Get()
  @ApiOperation({
    summary: "The account's invoices and receipts, newest first",
    description:
      'Subscription invoices and the receipts of one-time purchases, with amounts (subtotal, discount, tax, ' +
      'total), the service period, line items, the hosted page and the PDF. Drafts are not listed. Pages ' +
      'follow `nextCursor` (keyset on issuedAt and id). Open to every member of an organisation, like ' +
      '`/payments`.',
  })
  @ApiOkResponse({ type: InvoicePageDto })
  @ApiErrors('VALIDATION_FAILED', 'UNAUTHENTICATED')
  list(
    @CurrentAccount() account: AccountRef,
    @Query() query: InvoicesQueryDto,
  ): Promise<InvoicePageDto> {
    return this.invoices.list(account, query);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One invoice of the account, with its lines',
    description: "Another account's invoice answers 404 INVOICE_NOT_FOUND, as a missing one does.",
  })
  @ApiOkResponse({ type: InvoiceDto })
  @ApiErrors('VALIDATION_FAILED', 'UNAUTHENTICATED', 'INVOICE_NOT_FOUND')
  get(
    @CurrentAccount() account: AccountRef,
    @Param() params: InvoiceIdParamDto,
  ): Promise<InvoiceDto> {
    return this.invoices.get(account, params.id);
  }
}
