import {
  BillingApiError,
  BillingTransportError,
  PollTimeoutError,
  type ErrorCode,
} from '@billing-service/client';
import { Link } from './router';

export interface Problem {
  /** What a person reads. */
  message: string;
  /** Where they can go to fix it, if anywhere. */
  action?: { label: string; href: string };
  /** For support: the service's request id. */
  reference?: string;
}

/** What the demo says for each code the API can answer; anything else shows the API's message. */
const BY_CODE: Partial<Record<ErrorCode, Omit<Problem, 'reference'>>> = {
  UNAUTHENTICATED: {
    message: 'Your session has ended. Sign in again.',
    action: { label: 'Sign in', href: '/sign-in' },
  },
  BILLING_ROLE_REQUIRED: {
    message: 'Only an organisation owner or admin can change billing. Ask one of them.',
  },
  SUBSCRIPTION_ALREADY_ACTIVE: {
    message: 'You already have a plan. Change or cancel it from your account page.',
    action: { label: 'Go to your account', href: '/billing' },
  },
  ALREADY_PURCHASED: { message: 'You already own this — lifetime access never runs out.' },
  PROMOTION_CODE_INVALID: { message: 'This promotion code is not valid.' },
  INVALID_TAX_ID: { message: 'This tax ID is not valid for its type. Check the number.' },
  PRICE_NOT_FOUND: {
    message: 'This plan is no longer on sale. Reload the page for current prices.',
  },
  PRICE_OUT_OF_SYNC: { message: 'Prices are being updated. Try again in a moment.' },
  NO_BILLING_CUSTOMER: {
    message: 'The billing portal opens once you have bought something.',
    action: { label: 'See plans', href: '/pricing' },
  },
  NO_ACTIVE_SUBSCRIPTION: { message: 'You have no active plan.' },
  SUBSCRIPTION_ALREADY_CANCELED: { message: 'This plan is already canceled or set to end.' },
  NOTHING_TO_RESUME: { message: 'There is no pending cancellation to undo.' },
  SAME_PRICE: { message: 'You are already on this plan.' },
  CHECKOUT_SESSION_NOT_FOUND: {
    message:
      'We cannot find this checkout for your account. Were you signed in as someone else when you paid?',
    action: { label: 'Back to pricing', href: '/pricing' },
  },
  TOO_MANY_REQUESTS: { message: 'Too many requests. Wait a moment and try again.' },
  STRIPE_UNAVAILABLE: { message: 'Payments are briefly unavailable. Try again in a moment.' },
  SERVICE_UNAVAILABLE: { message: 'Billing is briefly unavailable. Try again in a moment.' },
  IDEMPOTENCY_KEY_IN_PROGRESS: { message: 'Your previous attempt is still being processed.' },
};

export function describeError(error: unknown): Problem {
  if (error instanceof BillingApiError) {
    const known = BY_CODE[error.code];
    const details =
      error.code === 'VALIDATION_FAILED' && error.details.length > 0
        ? `: ${error.details.map((detail) => detail.message).join('; ')}`
        : '';
    return {
      message: known?.message ?? `${error.message}${details}`,
      action: known?.action,
      reference: error.requestId || undefined,
    };
  }
  if (error instanceof BillingTransportError) {
    return { message: 'The billing service cannot be reached. Check your connection and retry.' };
  }
  if (error instanceof PollTimeoutError) {
    return { message: 'This is taking longer than usual. Reload the page in a minute.' };
  }
  return { message: error instanceof Error ? error.message : 'Something went wrong.' };
}

export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const problem = describeError(error);
  return (
    <div className="notice notice-error" role="alert">
      <p>{problem.message}</p>
      <p className="notice-actions">
        {problem.action ? <Link href={problem.action.href}>{problem.action.label}</Link> : null}
        {onRetry ? (
          <button type="button" className="button-link" onClick={onRetry}>
            Try again
          </button>
        ) : null}
        {problem.reference ? <span className="muted">Reference {problem.reference}</span> : null}
      </p>
    </div>
  );
}
