import { ERROR_CATALOG, type ErrorCode } from './error-codes';

/** One problem with one field (validation) or one input. */
export interface ErrorDetail {
  field?: string;
  message: string;
}

/**
 * A user-facing failure: a code from the catalog, optionally a more specific message and
 * details. Thrown anywhere; the global filter writes the envelope.
 */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message ?? ERROR_CATALOG[code].message);
    this.name = 'ApiError';
    this.status = ERROR_CATALOG[code].status;
  }
}
