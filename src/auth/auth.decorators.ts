import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'auth:public';
export const ACCESS_LEVEL = 'auth:access';

export const NO_USER_TOKEN = 'auth:no-user-token';

/**
 * Routes that are not called by users at all and authenticate otherwise (a Stripe signature,
 * the metrics token): their Authorization header, if any, is not a user's JWT and is left alone.
 */
export const NoUserToken = (): MethodDecorator & ClassDecorator => SetMetadata(NO_USER_TOKEN, true);

/** No token needed; a token that is sent is still verified and used. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/**
 * member: any member of the account (the default for authenticated routes).
 * billing-admin: on an organisation account, a role in BILLING_ADMIN_ROLES.
 * admin: the ADMIN_ROLE claim or the X-Admin-Key header.
 * member-or-service-key: a member, or another service holding X-Entitlements-Key (or X-Admin-Key),
 * which then names the account with `?accountId=`.
 */
export type AccessLevel = 'member' | 'billing-admin' | 'admin' | 'member-or-service-key';

export const Access = (level: AccessLevel): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_LEVEL, level);
