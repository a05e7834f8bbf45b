import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiError } from '../errors/api-error';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/auth.decorators';
import { ApiErrors, JSON_BODY_ERRORS, STRIPE_ERRORS } from '../errors/api-errors.decorator';
import { ExtendTrialDto } from '../subscriptions/dto/extend-trial.dto';
import { SubscriptionDto } from '../subscriptions/dto/subscription.dto';
import { SubscriptionTrialsService } from '../subscriptions/subscription-trials.service';
import { AdminService } from './admin.service';
import {
  AdminAccountViewDto,
  EventsReplayQueryDto,
  ReplayOutcomeDto,
  SyncReportDto,
  WebhookEventDto,
  WebhookEventsQueryDto,
} from './dto/admin.dto';

@ApiTags('admin')
@ApiBearerAuth()
@ApiSecurity('admin-key')
@Access('admin')
@Controller('admin')
export class AdminController {
  constructor(
    private readonly admin: AdminService,
    private readonly trials: SubscriptionTrialsService,
  ) {}

  @Get('webhook-events')
  @ApiOperation({ summary: 'The webhook ledger, newest first' })
  @ApiOkResponse({ type: [WebhookEventDto] })
  @ApiErrors('VALIDATION_FAILED', 'UNAUTHENTICATED', 'ADMIN_REQUIRED')
  listWebhookEvents(@Query() query: WebhookEventsQueryDto): Promise<WebhookEventDto[]> {
    return this.admin.listWebhookEvents(query);
  }

  @Post('webhook-events/:id/replay')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Re-apply a stored event (by Stripe event id)' })
  @ApiOkResponse({ type: WebhookEventDto })
  @ApiErrors(
    'WEBHOOK_EVENT_NOT_FOUND',
    'WEBHOOK_PROCESSING_FAILED',
    'WEBHOOK_DEFERRED',
    'UNAUTHENTICATED',
    'ADMIN_REQUIRED',
  )
  replayWebhookEvent(@Param('id') id: string): Promise<WebhookEventDto> {
    return this.admin.replayWebhookEvent(id);
  }

  @Get('accounts/:id')
  @ApiOperation({
    summary: 'One billing account: subscriptions, purchases, entitlements, recent payments',
  })
  @ApiOkResponse({ type: AdminAccountViewDto })
  @ApiErrors('VALIDATION_FAILED', 'ACCOUNT_NOT_FOUND', 'UNAUTHENTICATED', 'ADMIN_REQUIRED')
  account(
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => new ApiError('ACCOUNT_NOT_FOUND') }))
    id: string,
  ): Promise<AdminAccountViewDto> {
    return this.admin.account(id);
  }

  @Post('subscriptions/:id/trial')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: "Extend a trialing subscription's trial (by Stripe subscription id)",
    description:
      'Moves the trial end later with no proration. The new end must be in the future, later than ' +
      'the current one and at most 730 days away. Stripe sends `customer.subscription.trial_will_end` ' +
      'again when the new end is within three days.',
  })
  @ApiOkResponse({ type: SubscriptionDto })
  @ApiErrors(
    ...JSON_BODY_ERRORS,
    ...STRIPE_ERRORS,
    'UNAUTHENTICATED',
    'ADMIN_REQUIRED',
    'SUBSCRIPTION_NOT_FOUND',
    'SUBSCRIPTION_NOT_TRIALING',
    'TRIAL_END_NOT_IN_FUTURE',
    'TRIAL_END_NOT_LATER',
    'TRIAL_END_TOO_FAR',
  )
  extendTrial(@Param('id') id: string, @Body() body: ExtendTrialDto): Promise<SubscriptionDto> {
    return this.trials.extend(id, body.trialEnd);
  }

  @Post('sync')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Walk Stripe, repair the local copy, and report what drifted' })
  @ApiOkResponse({ type: SyncReportDto })
  @ApiErrors(...STRIPE_ERRORS, 'SYNC_IN_PROGRESS', 'UNAUTHENTICATED', 'ADMIN_REQUIRED')
  sync(): Promise<SyncReportDto> {
    return this.admin.resync();
  }

  @Post('events/replay')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: "Apply events from Stripe's Events API that the ledger lacks (missed deliveries)",
  })
  @ApiOkResponse({ type: ReplayOutcomeDto })
  @ApiErrors(
    ...STRIPE_ERRORS,
    'VALIDATION_FAILED',
    'WEBHOOK_PROCESSING_FAILED',
    'WEBHOOK_DEFERRED',
    'UNAUTHENTICATED',
    'ADMIN_REQUIRED',
  )
  replayEvents(@Query() query: EventsReplayQueryDto): Promise<ReplayOutcomeDto> {
    return this.admin.replayEventsSince(new Date(query.since));
  }
}
