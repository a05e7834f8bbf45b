import { ApiProperty } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { ApiError } from './api-error';
import { ERROR_CODES, type ErrorCode } from './error-codes';
import type { ErrorDetail } from './api-error';

class ErrorDetailDto implements ErrorDetail {
  @ApiProperty({ required: false, example: 'priceId' })
  field?: string;

  @ApiProperty({ example: 'priceId must be a string' })
  message!: string;
}

/** The one shape of every error response (DESIGN §4). */
export class ErrorEnvelope {
  @ApiProperty({ example: false })
  success!: false;

  @ApiProperty({ example: 409 })
  statusCode!: number;

  @ApiProperty({ enum: ERROR_CODES, example: 'SUBSCRIPTION_ALREADY_ACTIVE' })
  error_code!: ErrorCode;

  @ApiProperty({ example: 'This account already has an active subscription.' })
  message!: string;

  @ApiProperty({ type: [ErrorDetailDto] })
  details!: ErrorDetail[];

  @ApiProperty({ example: '3f1c1f0e-8f9c-4a59-9a43-2d1f8b0f6c11' })
  requestId!: string;
}

export function envelopeOf(error: ApiError, requestId: unknown): ErrorEnvelope {
  return {
    success: false,
    statusCode: error.status,
    error_code: error.code,
    message: error.message,
    details: error.details,
    requestId: typeof requestId === 'string' ? requestId : '',
  };
}

/** Writes an error outside Nest's pipeline (after every route), in the same envelope. */
export function sendApiError(
  req: Request & { id?: unknown },
  res: Response,
  error: ApiError,
): void {
  res.status(error.status).json(envelopeOf(error, req.id));
}
