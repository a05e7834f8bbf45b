import { Controller, Get, Param } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { Access } from '../auth/auth.decorators';
import { CurrentAccount } from '../auth/current.decorators';
import type { AccountRef } from '../auth/request-context';
import { ApiErrors } from '../errors/api-errors.decorator';
import { EntitlementsDto, FeatureEntitlementDto, FeatureParamDto } from './dto/entitlements.dto';
import { EntitlementsService } from './entitlements.service';

@ApiTags('entitlements')
@ApiBearerAuth()
@Controller('entitlements')
export class EntitlementsController {
  constructor(private readonly entitlements: EntitlementsService) {}

  @Get()
  @ApiOperation({
    summary: "The account's features and the plans that grant them",
    description:
      'Subscriptions that are trialing or active (a pending cancellation included), past_due ones within ' +
      'PAST_DUE_GRACE_DAYS of the failed payment, and lifetime purchases.',
  })
  @ApiOkResponse({ type: EntitlementsDto })
  @ApiErrors('UNAUTHENTICATED')
  list(@CurrentAccount() account: AccountRef): Promise<EntitlementsDto> {
    return this.entitlements.list(account);
  }

  @Get(':feature')
  @Access('member-or-service-key')
  @ApiSecurity('entitlements-key')
  @ApiSecurity('admin-key')
  @ApiOperation({
    summary: 'May the account use this feature?',
    description:
      'For a member with a bearer token, or for another service with `X-Entitlements-Key` (or `X-Admin-Key`) and `?accountId=`. ' +
      'Answered from memory for up to ENTITLEMENTS_CACHE_SECONDS; a webhook that changes the account clears it at once.',
  })
  @ApiQuery({
    name: 'accountId',
    required: false,
    description: 'The billing account, with a service key only (ignored with a bearer token).',
  })
  @ApiOkResponse({ type: FeatureEntitlementDto })
  @ApiErrors('VALIDATION_FAILED', 'UNAUTHENTICATED', 'ACCOUNT_NOT_FOUND')
  check(
    @CurrentAccount() account: AccountRef,
    @Param() params: FeatureParamDto,
  ): Promise<FeatureEntitlementDto> {
    return this.entitlements.check(account, params.feature);
  }
}
