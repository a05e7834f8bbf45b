import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/auth.decorators';
import { CurrentAccount } from '../auth/current.decorators';
import type { AccountRef } from '../auth/request-context';
import { ApiErrors, JSON_BODY_ERRORS, STRIPE_ERRORS } from '../errors/api-errors.decorator';
import { BillingProfileService } from './billing-profile.service';
import { BillingProfileDto, UpdateBillingProfileDto } from './dto/billing-profile.dto';

@ApiTags('billing-profile')
@ApiBearerAuth()
@Controller('billing-profile')
export class BillingProfileController {
  constructor(private readonly profiles: BillingProfileService) {}

  @Get()
  @Access('billing-admin')
  @ApiOperation({
    summary: 'The name, address and tax ids invoices are made out to',
    description:
      "The Stripe customer's details as mirrored here (changes made at Stripe arrive by webhook). " +
      'They are the payer’s, so organisation accounts need a BILLING_ADMIN_ROLES role. 404 ' +
      'BILLING_PROFILE_NOT_FOUND before the first checkout (no Stripe customer yet).',
  })
  @ApiOkResponse({ type: BillingProfileDto })
  @ApiErrors('UNAUTHENTICATED', 'BILLING_ROLE_REQUIRED', 'BILLING_PROFILE_NOT_FOUND')
  get(@CurrentAccount() account: AccountRef): Promise<BillingProfileDto> {
    return this.profiles.get(account);
  }

  @Patch()
  @Access('billing-admin')
  @ApiOperation({
    summary: 'Change the name, address or tax ids',
    description:
      'Written to Stripe first, then mirrored. Fields left out stay; `null` clears the address; ' +
      '`taxIds` is the full list (missing ones are deleted, new ones added). A tax id Stripe refuses ' +
      'is 400 INVALID_TAX_ID and nothing changes. 409 NO_BILLING_CUSTOMER before the first checkout.',
  })
  @ApiOkResponse({ type: BillingProfileDto })
  @ApiErrors(
    ...JSON_BODY_ERRORS,
    ...STRIPE_ERRORS,
    'UNAUTHENTICATED',
    'BILLING_ROLE_REQUIRED',
    'NO_BILLING_CUSTOMER',
    'INVALID_TAX_ID',
    'BILLING_PROFILE_NOT_FOUND',
  )
  update(
    @CurrentAccount() account: AccountRef,
    @Body() body: UpdateBillingProfileDto,
  ): Promise<BillingProfileDto> {
    return this.profiles.update(account, body);
  }
}
