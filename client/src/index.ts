export {
  createBillingClient,
  randomIdempotencyKey,
  type BillingClient,
  type BillingClientOptions,
  type IdempotentCallOptions,
} from './client.js';
export {
  BillingApiError,
  BillingTransportError,
  isBillingApiError,
  isErrorEnvelope,
  isTransient,
} from './errors.js';
export { ERROR_CODES, IDEMPOTENT_OPERATIONS } from './generated/operations.js';
export {
  PollTimeoutError,
  pollUntil,
  waitForCheckoutSession,
  waitForSubscription,
  type PollOptions,
} from './polling.js';
export type * from './types.js';
