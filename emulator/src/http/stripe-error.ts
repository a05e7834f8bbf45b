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
