import type { Principal } from './principal';

/**
 * May this caller buy, cancel, change plan and open the portal for its account? A user always
 * may for their own account; on an organisation only a role in BILLING_ADMIN_ROLES may.
 */
export function mayManageBilling(principal: Principal, billingAdminRoles: string[]): boolean {
  if (principal.orgId === undefined) return true;
  return principal.orgRole !== undefined && billingAdminRoles.includes(principal.orgRole);
}
