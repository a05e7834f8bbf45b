import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiError } from './api-error';
import { DatabaseOutageLog, databaseFailureOf } from './database-failures';
import { envelopeOf } from './error-envelope';
import { apiErrorFromStripe, isStripeError } from './stripe-error-mapping';

/** body-parser's errors carry a `type` and a status instead of being HttpExceptions. */
interface BodyParserError {
  type: string;
  status: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return typeof error === 'object' && error !== null && 'type' in error && 'status' in error;
}

const STATUS_CODES: Partial<Record<number, ApiError['code']>> = {
  [HttpStatus.NOT_FOUND]: 'ROUTE_NOT_FOUND',
  [HttpStatus.METHOD_NOT_ALLOWED]: 'METHOD_NOT_ALLOWED',
  [HttpStatus.UNAUTHORIZED]: 'UNAUTHENTICATED',
  [HttpStatus.FORBIDDEN]: 'FORBIDDEN',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'PAYLOAD_TOO_LARGE',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'UNSUPPORTED_MEDIA_TYPE',
  [HttpStatus.TOO_MANY_REQUESTS]: 'TOO_MANY_REQUESTS',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'SERVICE_UNAVAILABLE',
};

/** Seconds a client should wait before retrying a 503 of each kind. */
const RETRY_AFTER_SECONDS: Partial<Record<ApiError['code'], string>> = {
  DATABASE_BUSY: '1',
  DATABASE_UNAVAILABLE: '5',
  SERVICE_UNAVAILABLE: '5',
  CHECKOUT_IN_PROGRESS: '2',
  TOO_MANY_REQUESTS: '60',
};

/** Turns anything thrown into an ApiError; unknown failures become a bare 500. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isStripeError(error)) return apiErrorFromStripe(error);
  const database = databaseFailureOf(error);
  if (database === 'busy') return new ApiError('DATABASE_BUSY');
  if (database === 'unavailable') return new ApiError('DATABASE_UNAVAILABLE');
  if (error instanceof HttpException) {
    const cause = error.cause;
    if (isBodyParserError(cause)) return toApiError(cause);
    const code = STATUS_CODES[error.getStatus()];
    if (code !== undefined) return new ApiError(code);
    if (error.getStatus() < 500) return new ApiError('BAD_REQUEST');
    return new ApiError('INTERNAL_ERROR');
  }
  if (isBodyParserError(error)) {
    if (error.type === 'entity.parse.failed') return new ApiError('MALFORMED_JSON');
    if (error.type === 'entity.too.large') return new ApiError('PAYLOAD_TOO_LARGE');
    if (error.type === 'encoding.unsupported' || error.type === 'charset.unsupported') {
      return new ApiError('UNSUPPORTED_MEDIA_TYPE');
    }
    if (error.status >= 400 && error.status < 500) return new ApiError('BAD_REQUEST');
  }
  return new ApiError('INTERNAL_ERROR');
}

/** Writes the envelope of DESIGN §4 for every error of every route, including unknown routes. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly outages: DatabaseOutageLog) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const response = context.getResponse<Response>();
    const request = context.getRequest<Request & { id?: unknown }>();
    const error = toApiError(exception);

    if (error.code === 'DATABASE_UNAVAILABLE' || error.code === 'DATABASE_BUSY') {
      // An outage is logged once per episode, not once per request (DatabaseOutageLog).
      this.outages.recordFailure(
        error.code === 'DATABASE_BUSY' ? 'busy' : 'unavailable',
        exception,
      );
    } else if (error.status >= 500 && error.code !== 'SERVICE_UNAVAILABLE') {
      // The stack goes to the log (which redacts secrets), never to the caller.
      this.logger.error({ err: exception, code: error.code }, 'request failed');
    }
    if (response.headersSent) return;
    const retryAfter = RETRY_AFTER_SECONDS[error.code];
    if (retryAfter !== undefined && !response.getHeader('Retry-After')) {
      response.setHeader('Retry-After', retryAfter);
    }
    response.status(error.status).json(envelopeOf(error, request.id));
  }
}
