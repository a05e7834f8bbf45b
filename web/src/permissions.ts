import { useSession } from './session';

/**
 * Why this person may not buy, cancel, change plan or open the portal, or null when they may.
 * The service says (GET /api/account → canManageBilling); the demo only explains it.
 */
export function useBillingBlockedReason(): string | null {
  const { account } = useSession();
  if (account === null || account.canManageBilling) return null;
  const roles = account.billingAdminRoles.join(' or ');
  return `Only an organisation ${roles} can change billing — your role is ${account.orgRole ?? 'none'}.`;
}
