import {
  Body,
  Controller,
  Delete,
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
import {
  CreateSetupSessionDto,
  PaymentMethodDto,
  PaymentMethodIdParamDto,
  SetupSessionDto,
} from './dto/payment-methods.dto';
import { PaymentMethodsService } from './payment-methods.service';

/**
 * Saved cards. Every route needs the billing role on an organisation account: a card's details
 * and the choice of card are billing management, like the portal, not a read for every member.
 */
@ApiTags('payment-methods')
@ApiBearerAuth()
@Access('billing-admin')
@Controller('payment-methods')
export class PaymentMethodsController {
  constructor(private readonly methods: PaymentMethodsService) {}

  @Get()
  @ApiOperation({
    summary: "The account's saved cards, newest first",
    description:
      'Brand, last 4 digits, expiry and which card is the default (the one invoices are charged to). ' +
      'Organisation accounts need a BILLING_ADMIN_ROLES role.',
  })
  @ApiOkResponse({ type: [PaymentMethodDto] })
  @ApiErrors('UNAUTHENTICATED', 'BILLING_ROLE_REQUIRED')
  list(@CurrentAccount() account: AccountRef): Promise<PaymentMethodDto[]> {
    return this.methods.list(account);
  }

  @Post('setup')
  @HttpCode(HttpStatus.CREATED)
  @UseInterceptors(IdempotencyInterceptor)
  // The handler reads the header too, which Swagger would list again, as required: one entry.
  @ApiHeader({ ...IDEMPOTENCY_HEADER_DOC, name: IDEMPOTENCY_HEADER })
  @ApiOperation({
    summary: 'Start adding a card: a Stripe Checkout session in setup mode',
    description:
      'Redirect to `url` (hosted) or mount `clientSecret` (embedded). The card appears in the list once ' +
      "Stripe has saved it; it does not become the default by itself. The account's Stripe customer is " +
      'created on first use.',
  })
  @ApiCreatedResponse({ type: SetupSessionDto })
  @ApiErrors(
    ...JSON_BODY_ERRORS,
    ...STRIPE_ERRORS,
    'UNAUTHENTICATED',
    'BILLING_ROLE_REQUIRED',
    'CHECKOUT_IN_PROGRESS',
    'IDEMPOTENCY_KEY_REUSED',
    'IDEMPOTENCY_KEY_IN_PROGRESS',
  )
  setup(
    @CurrentAccount() account: AccountRef,
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateSetupSessionDto,
    @Headers(IDEMPOTENCY_HEADER) idempotencyKey?: string,
  ): Promise<SetupSessionDto> {
    return this.methods.createSetupSession(account, principal, body, idempotencyKey);
  }

  @Post(':id/default')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Make a saved card the default',
    description:
      "Sets the customer's `invoice_settings.default_payment_method` and the live subscription's " +
      "`default_payment_method`; answers the updated list. Another account's card is 404.",
  })
  @ApiOkResponse({ type: [PaymentMethodDto] })
  @ApiErrors(
    ...STRIPE_ERRORS,
    'VALIDATION_FAILED',
    'UNAUTHENTICATED',
    'BILLING_ROLE_REQUIRED',
    'PAYMENT_METHOD_NOT_FOUND',
  )
  makeDefault(
    @CurrentAccount() account: AccountRef,
    @Param() params: PaymentMethodIdParamDto,
  ): Promise<PaymentMethodDto[]> {
    return this.methods.makeDefault(account, params.id);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Remove (detach) a saved card',
    description:
      'Refused with 409 LAST_PAYMENT_METHOD for the only card of an active, trialing or past_due ' +
      'subscription. Removing the default card makes the newest other card the default. Answers the ' +
      "updated list. Another account's card is 404.",
  })
  @ApiOkResponse({ type: [PaymentMethodDto] })
  @ApiErrors(
    ...STRIPE_ERRORS,
    'VALIDATION_FAILED',
    'UNAUTHENTICATED',
    'BILLING_ROLE_REQUIRED',
    'PAYMENT_METHOD_NOT_FOUND',
    'LAST_PAYMENT_METHOD',
  )
  remove(
    @CurrentAccount() account: AccountRef,
    @Param() params: PaymentMethodIdParamDto,
  ): Promise<PaymentMethodDto[]> {
    return this.methods.remove(account, params.id);
  }
}
