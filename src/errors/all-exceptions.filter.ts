import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { ApiError } from './api-error';
import type { ErrorEnvelope } from './error-envelope';
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

/** Turns anything thrown into an ApiError; unknown failures become a bare 500. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isStripeError(error)) return apiErrorFromStripe(error);
  if (error instanceof ThrottlerException) return new ApiError('TOO_MANY_REQUESTS');
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

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const response = context.getResponse<Response>();
    const request = context.getRequest<Request & { id?: unknown }>();
    const error = toApiError(exception);

    if (error.status >= 500) {
      // The stack goes to the log (which redacts secrets), never to the caller.
      this.logger.error({ err: exception, code: error.code }, 'request failed');
    }
    if (response.headersSent) return;
    if (error.code === 'TOO_MANY_REQUESTS' && !response.getHeader('Retry-After')) {
      response.setHeader('Retry-After', '60');
    }
    const body: ErrorEnvelope = {
      success: false,
      statusCode: error.status,
      error_code: error.code,
      message: error.message,
      details: error.details,
      requestId: typeof request.id === 'string' ? request.id : '',
    };
    response.status(error.status).json(body);
  }
}
