import type { ErrorCode, ErrorEnvelope } from './types.js';
import { ERROR_CODES } from './generated/operations.js';

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** The API answered with its error envelope: branch on `code`. */
export class BillingApiError extends Error {
  override readonly name = 'BillingApiError';
  readonly status: number;
  readonly code: ErrorCode;
  readonly details: ErrorEnvelope['details'];
  readonly requestId: string;
  /** Seconds to wait before retrying, from `Retry-After` (429 and 503). */
  readonly retryAfterSeconds: number | undefined;

  constructor(envelope: ErrorEnvelope, response?: Response) {
    super(envelope.message);
    this.status = envelope.statusCode;
    this.code = envelope.error_code;
    this.details = envelope.details;
    this.requestId = envelope.requestId;
    const retryAfter = Number(response?.headers.get('Retry-After') ?? Number.NaN);
    this.retryAfterSeconds = Number.isFinite(retryAfter) ? retryAfter : undefined;
  }

  /** The message of one field's validation failure (VALIDATION_FAILED), if any. */
  fieldMessage(field: string): string | undefined {
    return this.details.find((detail) => detail.field === field)?.message;
  }
}

/**
 * The request did not get an answer from the service in its envelope: the network failed, or
 * something in between (a proxy, a gateway) answered. Safe to retry for reads and for POSTs
 * that carry an Idempotency-Key.
 */
export class BillingTransportError extends Error {
  override readonly name = 'BillingTransportError';

  constructor(
    message: string,
    /** The HTTP status when something answered, undefined when nothing did. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isErrorEnvelope(value: unknown): value is ErrorEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<ErrorEnvelope>;
  return (
    candidate.success === false &&
    typeof candidate.statusCode === 'number' &&
    typeof candidate.error_code === 'string' &&
    KNOWN_CODES.has(candidate.error_code) &&
    typeof candidate.message === 'string'
  );
}

/**
 * Narrows an unknown error to a BillingApiError, optionally with one of the given codes:
 * `if (isBillingApiError(error, 'SUBSCRIPTION_ALREADY_ACTIVE')) …`.
 */
export function isBillingApiError<C extends ErrorCode>(
  error: unknown,
  ...codes: C[]
): error is BillingApiError & { code: C } {
  return (
    error instanceof BillingApiError &&
    (codes.length === 0 || (codes as string[]).includes(error.code))
  );
}

/** Failures worth retrying after a pause: the service or Stripe is busy or briefly unreachable. */
export function isTransient(error: unknown): boolean {
  if (error instanceof BillingTransportError) return true;
  return isBillingApiError(
    error,
    'TOO_MANY_REQUESTS',
    'STRIPE_UNAVAILABLE',
    'SERVICE_UNAVAILABLE',
    'IDEMPOTENCY_KEY_IN_PROGRESS',
  );
}
