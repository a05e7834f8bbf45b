import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Access } from '../auth/auth.decorators';
import { CurrentAccount, CurrentPrincipal } from '../auth/current.decorators';
import type { Principal } from '../auth/principal';
import type { AccountRef } from '../auth/request-context';
import { ApiErrors, JSON_BODY_ERRORS, STRIPE_ERRORS } from '../errors/api-errors.decorator';
import {
  IDEMPOTENCY_HEADER,
  IDEMPOTENCY_HEADER_DOC,
  IdempotencyInterceptor,
} from '../idempotency/idempotency.interceptor';
import { CheckoutService } from './checkout.service';
import {
  CheckoutSessionCreatedDto,
  CheckoutSessionStatusDto,
  CreateCheckoutSessionDto,
} from './dto/checkout.dto';

@ApiTags('checkout')
@ApiBearerAuth()
@Controller('checkout')
export class CheckoutController {
  constructor(private readonly checkout: CheckoutService) {}

  @Post('sessions')
  @HttpCode(HttpStatus.CREATED)
  @Access('billing-admin')
  @UseInterceptors(IdempotencyInterceptor)
  // The handler reads the header too, which Swagger would list again, as required: one entry.
  @ApiHeader({ ...IDEMPOTENCY_HEADER_DOC, name: IDEMPOTENCY_HEADER })
  @ApiOperation({
    summary: 'Start a Stripe Checkout for a price',
    description:
      'Mode follows the price (recurring → subscription, one-time → payment); no priceId → DEFAULT_PRICE_ID. ' +
      'A first subscription gets TRIAL_DAYS of trial, once per account. Organisation accounts need a BILLING_ADMIN_ROLES role.',
  })
  @ApiCreatedResponse({ type: CheckoutSessionCreatedDto })
  @ApiErrors(
    ...JSON_BODY_ERRORS,
    ...STRIPE_ERRORS,
    'UNAUTHENTICATED',
    'BILLING_ROLE_REQUIRED',
    'NO_DEFAULT_PRICE',
    'PRICE_NOT_FOUND',
    'PRICE_OUT_OF_SYNC',
    'SEATS_OUT_OF_RANGE',
    'SUBSCRIPTION_ALREADY_ACTIVE',
    'ALREADY_PURCHASED',
    'PROMOTION_CODE_INVALID',
    'IDEMPOTENCY_KEY_REUSED',
    'IDEMPOTENCY_KEY_IN_PROGRESS',
    'CHECKOUT_IN_PROGRESS',
  )
  create(
    @CurrentAccount() account: AccountRef,
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateCheckoutSessionDto,
    @Headers(IDEMPOTENCY_HEADER) idempotencyKey?: string,
  ): Promise<CheckoutSessionCreatedDto> {
    return this.checkout.create(account, principal, body, idempotencyKey);
  }

  @Get('sessions/:id')
  @ApiOperation({
    summary: 'Status of a checkout session, for the return page',
    description:
      "Refreshed from Stripe while open, so it is right even before the webhook arrives. Another account's session is a 404.",
  })
  @ApiOkResponse({ type: CheckoutSessionStatusDto })
  @ApiErrors(...STRIPE_ERRORS, 'UNAUTHENTICATED', 'CHECKOUT_SESSION_NOT_FOUND')
  status(
    @CurrentAccount() account: AccountRef,
    @Param('id') id: string,
  ): Promise<CheckoutSessionStatusDto> {
    return this.checkout.status(account, id);
  }
}
