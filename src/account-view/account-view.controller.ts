import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { mayManageBilling } from '../auth/billing-role';
import { CurrentAccount, CurrentPrincipal } from '../auth/current.decorators';
import type { Principal } from '../auth/principal';
import type { AccountRef } from '../auth/request-context';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ApiErrors } from '../errors/api-errors.decorator';
import { AccountViewDto } from './dto/account-view.dto';

@ApiTags('account')
@ApiBearerAuth()
@Controller('account')
export class AccountViewController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get()
  @ApiOperation({
    summary: 'Who the token is, which billing account it acts for, and what it may do there',
    description:
      'A frontend reads `canManageBilling` to disable buying, cancelling, changing plan and the ' +
      'portal for organisation members whose role may not (those routes answer 403 `BILLING_ROLE_REQUIRED`).',
  })
  @ApiOkResponse({ type: AccountViewDto })
  @ApiErrors('UNAUTHENTICATED')
  view(
    @CurrentAccount() account: AccountRef,
    @CurrentPrincipal() principal: Principal,
  ): AccountViewDto {
    const roles = this.config.admin.billingAdminRoles;
    return {
      accountId: account.id,
      kind: account.kind,
      userId: principal.userId,
      email: principal.email ?? null,
      orgId: principal.orgId ?? null,
      orgRole: principal.orgRole ?? null,
      canManageBilling: mayManageBilling(principal, roles),
      billingAdminRoles: roles,
    };
  }
}
