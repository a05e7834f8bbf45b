/** An error answered in Stripe's JSON shape: `{ error: { type, code, message, param, ... } }`. */
export type StripeErrorType =
  'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
  payment_intent?: unknown;
  charge?: string;
}

export class StripeApiError extends Error {
  /**
   * A request that fails changes nothing — except a payment attempt, which Stripe records even
   * when it is declined (the failed charge, the invoice's attempt count, `charge.failed`): such
   * an error keeps the request's effects (see `recordingAttempt`).
   */
  keepsEffects = false;

  constructor(
    readonly statusCode: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }

  /** Marks a decline that Stripe records as an attempt: the request's effects are committed. */
  recordingAttempt(): this {
    this.keepsEffects = true;
    return this;
  }

  toJSON(): { error: StripeErrorBody } {
    return { error: this.body };
  }
}

const DOCS = 'https://stripe.com/docs/error-codes/';

export function resourceMissing(noun: string, id: string, param = 'id'): StripeApiError {
  return new StripeApiError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    param,
    message: `No such ${noun}: '${id}'`,
    doc_url: `${DOCS}resource-missing`,
  });
}

export function parameterMissing(param: string): StripeApiError {
  return new StripeApiError(400, {
    type: 'invalid_request_error',
    code: 'parameter_missing',
    param,
    message: `Missing required param: ${param}.`,
    doc_url: `${DOCS}parameter-missing`,
  });
}

export function parameterUnknown(param: string): StripeApiError {
  return new StripeApiError(400, {
    type: 'invalid_request_error',
    code: 'parameter_unknown',
    param,
    message: `Received unknown parameter: ${param}`,
    doc_url: `${DOCS}parameter-unknown`,
  });
}

export function parameterInvalid(
  param: string,
  message: string,
  code = 'parameter_invalid',
): StripeApiError {
  return new StripeApiError(400, { type: 'invalid_request_error', code, param, message });
}

export function invalidRequest(message: string, code?: string, param?: string): StripeApiError {
  return new StripeApiError(400, { type: 'invalid_request_error', message, code, param });
}

export function unauthenticated(message: string): StripeApiError {
  return new StripeApiError(401, { type: 'invalid_request_error', message });
}

export function idempotencyMismatch(key: string): StripeApiError {
  return new StripeApiError(400, {
    type: 'idempotency_error',
    message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
  });
}

export function routeNotFound(method: string, path: string): StripeApiError {
  return new StripeApiError(404, {
    type: 'invalid_request_error',
    message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
}

/** 429 from Stripe's rate limiter (Stripe's own wording and code). */
export function rateLimited(): StripeApiError {
  return new StripeApiError(429, {
    type: 'invalid_request_error',
    code: 'rate_limit',
    message:
      'Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.',
    doc_url: `${DOCS}rate-limit`,
  });
}

/** 429 when another request holds the object (Stripe's own wording and code). */
export function lockTimeout(): StripeApiError {
  return new StripeApiError(429, {
    type: 'invalid_request_error',
    code: 'lock_timeout',
    message:
      'This object cannot be accessed right now because another API request or Stripe process is currently accessing it. If you see this error intermittently, retry the request. If you see this error frequently and are making multiple concurrent requests to a single object, make your requests serially or at a lower rate.',
    doc_url: `${DOCS}lock-timeout`,
  });
}

/** 409 while the first request with this `Idempotency-Key` is still running. */
export function idempotencyKeyInUse(key: string): StripeApiError {
  return new StripeApiError(409, {
    type: 'idempotency_error',
    code: 'idempotency_key_in_use',
    message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
  });
}

/** An injected 500 or 503, in the shape Stripe's server errors have. */
export function serverError(status: number): StripeApiError {
  return new StripeApiError(status, {
    type: 'api_error',
    message:
      status === 503
        ? 'Stripe is temporarily unavailable. Please try again later.'
        : 'An unknown error occurred. Please try again later.',
  });
}
