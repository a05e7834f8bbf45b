import type { Request } from 'express';
import type { Principal } from './principal';

/** The account a request acts for, resolved from verified claims (or X-Admin-Key + accountId). */
export interface AccountRef {
  id: string;
  kind: 'USER' | 'ORGANIZATION';
  externalId: string;
}

export interface BillingRequest extends Request {
  user?: Principal;
  account?: AccountRef;
  /** Authenticated by X-Admin-Key rather than a token. */
  viaAdminKey?: boolean;
}
