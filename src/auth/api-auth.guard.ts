import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { isUUID } from 'class-validator';
import { AccountsService } from '../accounts/accounts.service';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ApiError } from '../errors/api-error';
import { adminKeyMatches } from './admin-key';
import { mayManageBilling } from './billing-role';
import { ACCESS_LEVEL, IS_PUBLIC, NO_USER_TOKEN, type AccessLevel } from './auth.decorators';
import type { Principal } from './principal';
import type { BillingRequest } from './request-context';

export const ADMIN_KEY_HEADER = 'x-admin-key';

/**
 * The one guard of the API. Every route is authenticated unless marked @Public(); a public
 * route still verifies a token that is sent (a bad one is a 401, never silently ignored).
 * After authentication it resolves the billing account and applies the route's access level.
 */
@Injectable()
export class ApiAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly accounts: AccountsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(NO_USER_TOKEN, targets) === true)
      return true;
    const isPublic =
      this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) ?? false;
    const level =
      this.reflector.getAllAndOverride<AccessLevel | undefined>(ACCESS_LEVEL, targets) ?? 'member';
    const request = context.switchToHttp().getRequest<BillingRequest>();

    const adminKey = request.headers[ADMIN_KEY_HEADER];
    if (typeof adminKey === 'string' && (level === 'admin' || level === 'member-or-admin-key')) {
      if (!adminKeyMatches(adminKey, this.config.admin.apiKey)) {
        throw new ApiError('UNAUTHENTICATED', 'The X-Admin-Key header is not valid.');
      }
      request.viaAdminKey = true;
      if (level === 'member-or-admin-key') await this.resolveAccountFromQuery(request);
      return true;
    }

    if (isPublic && request.headers.authorization === undefined) return true;
    await super.canActivate(context);
    const principal = request.user as Principal;

    if (level === 'admin') {
      if (!principal.isAdmin) throw new ApiError('ADMIN_REQUIRED');
      return true;
    }
    if (
      level === 'billing-admin' &&
      !mayManageBilling(principal, this.config.admin.billingAdminRoles)
    ) {
      throw new ApiError('BILLING_ROLE_REQUIRED');
    }
    request.account = await this.accounts.resolve(principal);
    return true;
  }

  /** Passport's verdict: any failure (missing, malformed, expired, wrong key/issuer/audience) is a 401. */
  override handleRequest<TUser = Principal>(
    error: unknown,
    user: TUser | false,
    info: unknown,
  ): TUser {
    if (error !== null && error !== undefined) throw new ApiError('UNAUTHENTICATED');
    if (!user) {
      const reason = info instanceof Error ? info.message : undefined;
      throw new ApiError(
        'UNAUTHENTICATED',
        reason ? `The bearer token was refused: ${reason}.` : undefined,
      );
    }
    return user;
  }

  private async resolveAccountFromQuery(request: BillingRequest): Promise<void> {
    const accountId = request.query.accountId;
    if (typeof accountId !== 'string' || !isUUID(accountId)) {
      throw new ApiError('VALIDATION_FAILED', 'accountId is required with X-Admin-Key.', [
        { field: 'accountId', message: 'accountId must be a billing account id (UUID)' },
      ]);
    }
    const account = await this.accounts.findRef(accountId);
    if (account === undefined) throw new ApiError('ACCOUNT_NOT_FOUND');
    request.account = account;
  }
}
