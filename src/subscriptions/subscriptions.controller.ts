import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentAccount } from '../auth/current.decorators';
import type { AccountRef } from '../auth/request-context';
import { ApiErrors } from '../errors/api-errors.decorator';
import { CurrentSubscriptionDto, SubscriptionDto } from './dto/subscription.dto';
import { SubscriptionsService } from './subscriptions.service';

@ApiTags('subscriptions')
@ApiBearerAuth()
@Controller('subscriptions')
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @Get('current')
  @ApiOperation({
    summary: "The account's current subscription",
    description:
      'The live one (trialing, active, past_due, unpaid, paused, incomplete), else the most recently ended one still inside its paid period, else null.',
  })
  @ApiOkResponse({ type: CurrentSubscriptionDto })
  @ApiErrors('UNAUTHENTICATED')
  current(@CurrentAccount() account: AccountRef): Promise<CurrentSubscriptionDto> {
    return this.subscriptions.current(account);
  }

  @Get()
  @ApiOperation({ summary: "All of the account's subscriptions, newest first" })
  @ApiOkResponse({ type: [SubscriptionDto] })
  @ApiErrors('UNAUTHENTICATED')
  list(@CurrentAccount() account: AccountRef): Promise<SubscriptionDto[]> {
    return this.subscriptions.list(account);
  }
}
