import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { Access } from '../auth/auth.decorators';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentAccount } from '../auth/current.decorators';
import type { AccountRef } from '../auth/request-context';
import { ApiErrors, JSON_BODY_ERRORS, STRIPE_ERRORS } from '../errors/api-errors.decorator';
import { CurrentSubscriptionDto, SubscriptionDto } from './dto/subscription.dto';
import { SubscriptionsService } from './subscriptions.service';
import { SubscriptionCommandsService } from './subscription-commands.service';
import { SubscriptionPreviewsService } from './subscription-previews.service';
import { ChangePreviewDto, UpcomingInvoiceDto } from './dto/invoice-preview.dto';
import {
  CancelSubscriptionDto,
  ChangeSubscriptionDto,
  SetSeatsDto,
  AddAddOnDto,
  RemoveAddOnQueryDto,
} from './dto/subscription-commands.dto';
import { SubscriptionAddOnsService } from './subscription-add-ons.service';
import type { ErrorCode } from '../errors/error-codes';

const SEATS_ERRORS = [
  ...JSON_BODY_ERRORS,
  ...STRIPE_ERRORS,
  'UNAUTHENTICATED',
  'BILLING_ROLE_REQUIRED',
  'NO_ACTIVE_SUBSCRIPTION',
  'PRICE_NOT_PER_SEAT',
  'SEATS_OUT_OF_RANGE',
  'SEATS_UNCHANGED',
] as const satisfies readonly ErrorCode[];

@ApiTags('subscriptions')
@ApiBearerAuth()
@Controller('subscriptions')
export class SubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly commands: SubscriptionCommandsService,
    private readonly previews: SubscriptionPreviewsService,
    private readonly addOns: SubscriptionAddOnsService,
  ) {}

  @Get('current')
  @ApiOperation({
    summary: "The account's current plan",
    description:
      'The live subscription (trialing, active, past_due, unpaid, paused, incomplete), else a lifetime purchase ' +
      '(`kind` lifetime, `periodType` ALL_TIME, `currentPeriodEnd` null, `autoRenew` false), else the most ' +
      'recently ended subscription still inside its paid period, else null.',
  })
  @ApiOkResponse({ type: CurrentSubscriptionDto })
  @ApiErrors('UNAUTHENTICATED')
  current(@CurrentAccount() account: AccountRef): Promise<CurrentSubscriptionDto> {
    return this.subscriptions.current(account);
  }

  @Post('current/cancel')
  @HttpCode(HttpStatus.OK)
  @Access('billing-admin')
  @ApiOperation({
    summary: 'Cancel the current subscription',
    description:
      'At the end of the paid period by default (access continues until then), or at once with atPeriodEnd=false.',
  })
  @ApiOkResponse({ type: CurrentSubscriptionDto })
  @ApiErrors(
    ...JSON_BODY_ERRORS,
    ...STRIPE_ERRORS,
    'UNAUTHENTICATED',
    'BILLING_ROLE_REQUIRED',
    'NO_ACTIVE_SUBSCRIPTION',
    'SUBSCRIPTION_ALREADY_CANCELED',
  )
  cancel(
    @CurrentAccount() account: AccountRef,
    @Body() body: CancelSubscriptionDto,
  ): Promise<CurrentSubscriptionDto> {
    return this.commands.cancel(account, body);
  }

  @Post('current/resume')
  @HttpCode(HttpStatus.OK)
  @Access('billing-admin')
  @ApiOperation({
    summary: 'Undo a pending period-end cancellation, or resume a paused subscription',
    description:
      'A subscription paused when its trial ended without a card resumes once a card is on file ' +
      '(a new period starts and is billed at once); without one → 409 PAYMENT_METHOD_REQUIRED.',
  })
  @ApiOkResponse({ type: CurrentSubscriptionDto })
  @ApiErrors(
    ...STRIPE_ERRORS,
    'UNAUTHENTICATED',
    'BILLING_ROLE_REQUIRED',
    'NO_ACTIVE_SUBSCRIPTION',
    'NOTHING_TO_RESUME',
    'PAYMENT_METHOD_REQUIRED',
  )
  resume(@CurrentAccount() account: AccountRef): Promise<CurrentSubscriptionDto> {
    return this.commands.resume(account);
  }

  @Post('current/change')
  @HttpCode(HttpStatus.OK)
  @Access('billing-admin')
  @ApiOperation({ summary: 'Upgrade or downgrade to another recurring price, with prorations' })
  @ApiOkResponse({ type: CurrentSubscriptionDto })
  @ApiErrors(
    ...JSON_BODY_ERRORS,
    ...STRIPE_ERRORS,
    'UNAUTHENTICATED',
    'BILLING_ROLE_REQUIRED',
    'NO_ACTIVE_SUBSCRIPTION',
    'PRICE_NOT_FOUND',
    'PRICE_NOT_RECURRING',
    'SAME_PRICE',
    'SEATS_OUT_OF_RANGE',
  )
  change(
    @CurrentAccount() account: AccountRef,
    @Body() body: ChangeSubscriptionDto,
  ): Promise<CurrentSubscriptionDto> {
    return this.commands.change(account, body);
  }

  @Get('current/upcoming-invoice')
  @Access('billing-admin')
  @ApiOperation({
    summary: 'The next invoice of the current subscription',
    description:
      'Amount, date and lines of the invoice Stripe will create next ("your next charge is … on …"), ' +
      'with any prorations pending; `invoice` null when nothing is due next (no live subscription, ' +
      'a pending cancellation, a pause).',
  })
  @ApiOkResponse({ type: UpcomingInvoiceDto })
  @ApiErrors(...STRIPE_ERRORS, 'UNAUTHENTICATED', 'BILLING_ROLE_REQUIRED')
  upcomingInvoice(@CurrentAccount() account: AccountRef): Promise<UpcomingInvoiceDto> {
    return this.previews.upcoming(account);
  }

  @Post('current/change/preview')
  @HttpCode(HttpStatus.OK)
  @Access('billing-admin')
  @ApiOperation({
    summary: 'What a plan change would charge, without changing anything',
    description:
      'Same body as `POST /subscriptions/current/change`. Answers the amount collected at once, the ' +
      'invoice that collects it, the next invoice after the change, and the `prorationDate` to send ' +
      'with the change so that it charges exactly these amounts.',
  })
  @ApiOkResponse({ type: ChangePreviewDto })
  @ApiErrors(
    ...JSON_BODY_ERRORS,
    ...STRIPE_ERRORS,
    'UNAUTHENTICATED',
    'BILLING_ROLE_REQUIRED',
    'NO_ACTIVE_SUBSCRIPTION',
    'PRICE_NOT_FOUND',
    'PRICE_NOT_RECURRING',
    'SAME_PRICE',
    'SEATS_OUT_OF_RANGE',
  )
  previewChange(
    @CurrentAccount() account: AccountRef,
    @Body() body: ChangeSubscriptionDto,
  ): Promise<ChangePreviewDto> {
    return this.previews.previewChange(account, body);
  }

  @Post('current/seats')
  @HttpCode(HttpStatus.OK)
  @Access('billing-admin')
  @ApiOperation({
    summary: 'Set the number of seats of a per-seat plan',
    description:
      "Within the plan price's seat bounds (catalog `seats`). Prorated by default; `prorationDate` from " +
      '`POST /subscriptions/current/seats/preview` charges exactly the previewed amounts. A change ' +
      'Stripe refuses changes nothing.',
  })
  @ApiOkResponse({ type: CurrentSubscriptionDto })
  @ApiErrors(...SEATS_ERRORS)
  setSeats(
    @CurrentAccount() account: AccountRef,
    @Body() body: SetSeatsDto,
  ): Promise<CurrentSubscriptionDto> {
    return this.commands.setSeats(account, body);
  }

  @Post('current/seats/preview')
  @HttpCode(HttpStatus.OK)
  @Access('billing-admin')
  @ApiOperation({
    summary: 'What setting the number of seats would charge, without changing anything',
    description:
      'Same body as `POST /subscriptions/current/seats`; same answer as a change preview.',
  })
  @ApiOkResponse({ type: ChangePreviewDto })
  @ApiErrors(...SEATS_ERRORS)
  previewSeats(
    @CurrentAccount() account: AccountRef,
    @Body() body: SetSeatsDto,
  ): Promise<ChangePreviewDto> {
    return this.previews.previewSeats(account, body);
  }

  @Post('current/add-ons/:priceId')
  @HttpCode(HttpStatus.OK)
  @Access('billing-admin')
  @ApiOperation({
    summary: 'Add an add-on to the current subscription',
    description:
      "The price must be recurring, on a product with metadata `addon=true`, in the plan's currency " +
      'and interval. It becomes an extra item of the subscription (prorated by default); its ' +
      "product's features join the account's entitlements.",
  })
  @ApiParam({ name: 'priceId', example: 'price_storage_monthly' })
  @ApiOkResponse({ type: CurrentSubscriptionDto })
  @ApiErrors(
    ...JSON_BODY_ERRORS,
    ...STRIPE_ERRORS,
    'UNAUTHENTICATED',
    'BILLING_ROLE_REQUIRED',
    'NO_ACTIVE_SUBSCRIPTION',
    'PRICE_NOT_FOUND',
    'PRICE_NOT_RECURRING',
    'NOT_AN_ADD_ON',
    'ADD_ON_INTERVAL_MISMATCH',
    'ADD_ON_ALREADY_ACTIVE',
  )
  addAddOn(
    @CurrentAccount() account: AccountRef,
    @Param('priceId') priceId: string,
    @Body() body: AddAddOnDto,
  ): Promise<CurrentSubscriptionDto> {
    return this.addOns.add(account, priceId, body);
  }

  @Delete('current/add-ons/:priceId')
  @HttpCode(HttpStatus.OK)
  @Access('billing-admin')
  @ApiOperation({
    summary: 'Remove an add-on from the current subscription',
    description:
      'Removes the item on this price (never the plan), crediting unused time by default; its ' +
      "product's features leave the account's entitlements unless another item grants them.",
  })
  @ApiParam({ name: 'priceId', example: 'price_storage_monthly' })
  @ApiOkResponse({ type: CurrentSubscriptionDto })
  @ApiErrors(
    ...STRIPE_ERRORS,
    'UNAUTHENTICATED',
    'BILLING_ROLE_REQUIRED',
    'NO_ACTIVE_SUBSCRIPTION',
    'ADD_ON_NOT_ACTIVE',
  )
  removeAddOn(
    @CurrentAccount() account: AccountRef,
    @Param('priceId') priceId: string,
    @Query() query: RemoveAddOnQueryDto,
  ): Promise<CurrentSubscriptionDto> {
    return this.addOns.remove(account, priceId, query);
  }

  @Get()
  @ApiOperation({ summary: "All of the account's subscriptions, newest first" })
  @ApiOkResponse({ type: [SubscriptionDto] })
  @ApiErrors('UNAUTHENTICATED')
  list(@CurrentAccount() account: AccountRef): Promise<SubscriptionDto[]> {
    return this.subscriptions.list(account);
  }
}
