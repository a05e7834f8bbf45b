import type { BillingClient } from './client.js';
import { BillingApiError, isTransient } from './errors.js';
import type { CheckoutSessionStatus, Subscription } from './types.js';

export interface PollOptions<T> {
  /** Stops polling (the page was left): the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Give up after this long, with a PollTimeoutError; default 2 minutes. */
  timeoutMs?: number;
  /** First pause between polls; it grows by half each time. Default 500 ms. */
  intervalMs?: number;
  /** Longest pause between polls; default 5 s. */
  maxIntervalMs?: number;
  /** Every answer, for a progress display. */
  onUpdate?: (value: T) => void;
}

/** Polling ran out of time; `last` is the last answer seen, if any. */
export class PollTimeoutError<T> extends Error {
  override readonly name = 'PollTimeoutError';

  constructor(
    message: string,
    readonly last: T | undefined,
  ) {
    super(message);
  }
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Asks `read` until `done` holds, pausing longer each time. Transient failures (network, 429,
 * Stripe or the service briefly unavailable) are waited out, honouring Retry-After; any other
 * error is thrown at once.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options: PollOptions<T> = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let interval = options.intervalMs ?? 500;
  const maxInterval = options.maxIntervalMs ?? 5_000;
  let last: T | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    let wait = interval;
    try {
      last = await read();
      options.onUpdate?.(last);
      if (done(last)) return last;
    } catch (error) {
      if (!isTransient(error)) throw error;
      if (error instanceof BillingApiError && error.retryAfterSeconds !== undefined) {
        wait = Math.max(wait, error.retryAfterSeconds * 1000);
      }
    }
    if (Date.now() + wait > deadline) {
      throw new PollTimeoutError('Gave up waiting for the billing service.', last);
    }
    await pause(wait, options.signal);
    interval = Math.min(Math.ceil(interval * 1.5), maxInterval);
  }
}

/**
 * The return page after checkout: polls the session until it is no longer `open` and answers
 * it — `complete` (with `subscriptionId` or `purchaseId`) or `expired`. The service refreshes
 * the session from Stripe, so this does not wait for the webhook.
 */
export function waitForCheckoutSession(
  client: BillingClient,
  sessionId: string,
  options?: PollOptions<CheckoutSessionStatus>,
): Promise<CheckoutSessionStatus> {
  return pollUntil(
    () => client.checkout.status(sessionId),
    (session) => session.status !== 'open',
    options,
  );
}

/**
 * After a change made elsewhere (the portal, a checkout that just completed, another tab):
 * polls the current subscription until `until` holds, e.g.
 * `(s) => s?.id === session.subscriptionId` or `(s) => s?.cancelAtPeriodEnd === true`.
 */
export function waitForSubscription(
  client: BillingClient,
  until: (subscription: Subscription | null) => boolean,
  options?: PollOptions<Subscription | null>,
): Promise<Subscription | null> {
  return pollUntil(() => client.subscriptions.current(), until, options);
}
