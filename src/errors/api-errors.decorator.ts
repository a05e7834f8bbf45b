import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ERROR_CATALOG, type ErrorCode } from './error-codes';
import { ErrorEnvelope } from './error-envelope';

/** Documents the error codes a route can answer with, grouped by status, in the envelope shape. */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...codes, 'TOO_MANY_REQUESTS', 'INTERNAL_ERROR'] as ErrorCode[]) {
    const status = ERROR_CATALOG[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, list]) =>
      ApiResponse({
        status,
        type: ErrorEnvelope,
        description: list.map((code) => `\`${code}\`: ${ERROR_CATALOG[code].message}`).join('<br>'),
      }),
    ),
  );
}
