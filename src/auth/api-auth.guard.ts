import {
  Inject,
  Injectable,
  Logger,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { isUUID } from 'class-validator';
import { AccountsService } from '../accounts/accounts.service';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ApiError } from '../errors/api-error';
import { mayManageBilling } from './billing-role';
import { ACCESS_LEVEL, IS_PUBLIC, NO_USER_TOKEN, type AccessLevel } from './auth.decorators';
import type { BillingRequest } from './request-context';
import { RequestAuthenticator } from './request-authenticator';

export { ADMIN_KEY_HEADER, ENTITLEMENTS_KEY_HEADER } from './request-authenticator';

interface RouteAccess {
  noUserToken: boolean;
  isPublic: boolean;
  level: AccessLevel;
}

/**
 * The one guard of the API. Every route is authenticated unless marked @Public(); a public
 * route still verifies a token that is sent (a bad one is a 401, never silently ignored).
 * After authentication it resolves the billing account and applies the route's access level.
 * A refused token gets one 401 that names no reason (which check failed is logged at debug
 * level only): the answer teaches a forger nothing about the verifier's settings.
 */
@Injectable()
export class ApiAuthGuard implements CanActivate {
  private readonly logger = new Logger('Auth');
  private readonly access = new WeakMap<object, RouteAccess>();

  constructor(
    private readonly reflector: Reflector,
    private readonly accounts: AccountsService,
    private readonly authenticator: RequestAuthenticator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const { noUserToken, isPublic, level } = this.routeAccess(context);
    if (noUserToken) return true;
    const request = context.switchToHttp().getRequest<BillingRequest>();
    const authentication = await this.authenticator.authenticate(request);

    if (
      authentication.serviceKey !== undefined &&
      (level === 'admin' || level === 'member-or-service-key')
    ) {
      if (authentication.serviceKey === 'invalid') {
        throw new ApiError('UNAUTHENTICATED', 'The service key is not valid.');
      }
      // The entitlements key answers entitlement checks and nothing else.
      if (authentication.serviceKey === 'entitlements' && level === 'admin') {
        throw new ApiError('ADMIN_REQUIRED');
      }
      request.viaAdminKey = true;
      if (level === 'member-or-service-key') await this.resolveAccountFromQuery(request);
      return true;
    }

    if (isPublic && request.headers.authorization === undefined) return true;
    const verdict = authentication.token;
    if (verdict === undefined || !verdict.ok) {
      if (verdict !== undefined) this.logger.debug({ reason: verdict.reason }, 'token refused');
      if (verdict?.failure === 'control-characters') {
        throw new ApiError('VALIDATION_FAILED', undefined, [
          { field: 'Authorization', message: 'token claims must not contain control characters' },
        ]);
      }
      throw new ApiError('UNAUTHENTICATED');
    }
    const principal = verdict.principal;
    request.user = principal;

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

  /** A route's decorators, read once per handler (they never change at run time). */
  private routeAccess(context: ExecutionContext): RouteAccess {
    const handler = context.getHandler();
    const known = this.access.get(handler);
    if (known !== undefined) return known;
    const targets = [handler, context.getClass()];
    const access: RouteAccess = {
      noUserToken:
        this.reflector.getAllAndOverride<boolean | undefined>(NO_USER_TOKEN, targets) === true,
      isPublic: this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) ?? false,
      level:
        this.reflector.getAllAndOverride<AccessLevel | undefined>(ACCESS_LEVEL, targets) ??
        'member',
    };
    this.access.set(handler, access);
    return access;
  }

  private async resolveAccountFromQuery(request: BillingRequest): Promise<void> {
    const accountId = request.query.accountId;
    if (typeof accountId !== 'string' || !isUUID(accountId)) {
      throw new ApiError('VALIDATION_FAILED', 'accountId is required with a service key.', [
        { field: 'accountId', message: 'accountId must be a billing account id (UUID)' },
      ]);
    }
    const account = await this.accounts.findRef(accountId);
    if (account === undefined) throw new ApiError('ACCOUNT_NOT_FOUND');
    request.account = account;
  }
}
