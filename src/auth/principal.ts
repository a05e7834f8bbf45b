import type { AccountKind } from '../generated/prisma/enums';

/** Who is calling, from verified token claims only. */
export interface Principal {
  userId: string;
  email?: string;
  orgId?: string;
  orgRole?: string;
  /** Holds the ADMIN_ROLE claim value: may use the admin endpoints. */
  isAdmin: boolean;
}

/** The billing account a principal acts for: the organisation when there is one, else the user. */
export function accountKeyOf(principal: Principal): { kind: AccountKind; externalId: string } {
  return principal.orgId !== undefined
    ? { kind: 'ORGANIZATION', externalId: principal.orgId }
    : { kind: 'USER', externalId: principal.userId };
}
