import type { Request } from 'express';
import type { Principal } from './principal';
import type { Authentication } from './request-authenticator';

/** The account a request acts for, resolved from verified claims (or X-Admin-Key + accountId). */
export interface AccountRef {
  id: string;
  kind: 'USER' | 'ORGANIZATION';
  externalId: string;
}

export interface BillingRequest extends Request {
  user?: Principal;
  account?: AccountRef;
  /** Authenticated by a service key (X-Admin-Key or X-Entitlements-Key) rather than a token. */
  viaAdminKey?: boolean;
  /** The credentials' verdict, computed once per request (see RequestAuthenticator). */
  authentication?: Promise<Authentication>;
}
