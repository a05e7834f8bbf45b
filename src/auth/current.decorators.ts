import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiError } from '../errors/api-error';
import type { Principal } from './principal';
import type { AccountRef, BillingRequest } from './request-context';

/** The account the request acts for; the guard has resolved it (routes that need one). */
export const CurrentAccount = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AccountRef => {
    const account = ctx.switchToHttp().getRequest<BillingRequest>().account;
    if (account === undefined) throw new ApiError('UNAUTHENTICATED');
    return account;
  },
);

/** The account when a token was sent to a public route, else undefined. */
export const OptionalAccount = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AccountRef | undefined =>
    ctx.switchToHttp().getRequest<BillingRequest>().account,
);

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal => {
    const user = ctx.switchToHttp().getRequest<BillingRequest>().user;
    if (user === undefined) throw new ApiError('UNAUTHENTICATED');
    return user;
  },
);
