import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Why a Stripe call is made. User-facing calls (checkout, portal, commands) are served first;
 * the others (fetches for events, resync, start-up) use what the budget leaves them.
 */
export type StripePurpose = 'user' | 'event-fetch' | 'resync' | 'startup' | 'probe';

export const STRIPE_PURPOSES: readonly StripePurpose[] = [
  'user',
  'event-fetch',
  'resync',
  'startup',
  'probe',
];

export const isUserFacing = (purpose: StripePurpose): boolean => purpose === 'user';

interface CallContext {
  purpose: StripePurpose;
  /** Background calls give up (and their event is deferred) after waiting this long. */
  deadline?: number;
}

const context = new AsyncLocalStorage<CallContext>();

/**
 * Runs `work` with every Stripe call in it counted and budgeted as `purpose`. Calls made
 * outside any such scope are user-facing: feature code needs to know nothing about the budget.
 */
export function withStripePurpose<T>(
  purpose: StripePurpose,
  work: () => Promise<T>,
  options: { maxWaitMs?: number } = {},
): Promise<T> {
  const deadline = options.maxWaitMs === undefined ? undefined : Date.now() + options.maxWaitMs;
  return context.run({ purpose, deadline }, work);
}

export function currentCallContext(): CallContext {
  return context.getStore() ?? { purpose: 'user' };
}
