import { Body, Controller, HttpCode, HttpStatus, Post, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  IDEMPOTENCY_HEADER_DOC,
  IdempotencyInterceptor,
} from '../idempotency/idempotency.interceptor';
import { Access } from '../auth/auth.decorators';
import { CurrentAccount } from '../auth/current.decorators';
import type { AccountRef } from '../auth/request-context';
import { ApiErrors, JSON_BODY_ERRORS, STRIPE_ERRORS } from '../errors/api-errors.decorator';
import { CreatePortalSessionDto, PortalSessionDto } from './dto/portal.dto';
import { PortalService } from './portal.service';

@ApiTags('portal')
@ApiBearerAuth()
@Controller('portal')
export class PortalController {
  constructor(private readonly portal: PortalService) {}

  @Post('sessions')
  @HttpCode(HttpStatus.OK)
  @Access('billing-admin')
  @UseInterceptors(IdempotencyInterceptor)
  @ApiHeader(IDEMPOTENCY_HEADER_DOC)
  @ApiOperation({
    summary: "Open Stripe's customer portal",
    description:
      'Optionally straight onto one task (`flow`). Organisation accounts need a BILLING_ADMIN_ROLES role.',
  })
  @ApiOkResponse({ type: PortalSessionDto })
  @ApiErrors(
    ...JSON_BODY_ERRORS,
    ...STRIPE_ERRORS,
    'UNAUTHENTICATED',
    'BILLING_ROLE_REQUIRED',
    'NO_BILLING_CUSTOMER',
    'NO_ACTIVE_SUBSCRIPTION',
  )
  create(
    @CurrentAccount() account: AccountRef,
    @Body() body: CreatePortalSessionDto,
  ): Promise<PortalSessionDto> {
    return this.portal.createSession(account, body);
  }
}
