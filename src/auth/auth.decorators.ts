import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'auth:public';
export const ACCESS_LEVEL = 'auth:access';

/** No token needed; a token that is sent is still verified and used. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/**
 * member: any member of the account (the default for authenticated routes).
 * billing-admin: on an organisation account, a role in BILLING_ADMIN_ROLES.
 * admin: the ADMIN_ROLE claim or the X-Admin-Key header.
 * member-or-admin-key: a member, or a service holding X-Admin-Key (which then names the account).
 */
export type AccessLevel = 'member' | 'billing-admin' | 'admin' | 'member-or-admin-key';

export const Access = (level: AccessLevel): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_LEVEL, level);
