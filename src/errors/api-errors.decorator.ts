import { applyDecorators } from '@nestjs/common';
import { ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_CATALOG, type ErrorCode } from './error-codes';
import { ErrorEnvelope } from './error-envelope';

/**
 * What any route can answer: a path or query with control characters (400, before routing),
 * the rate limit, the database out of reach or out of connections (503), an unexpected failure.
 */
const ALWAYS: readonly ErrorCode[] = [
  'VALIDATION_FAILED',
  'TOO_MANY_REQUESTS',
  'DATABASE_UNAVAILABLE',
  'DATABASE_BUSY',
  'INTERNAL_ERROR',
];

/** What a JSON body adds: it may be malformed, too large, of another media type, or invalid. */
export const JSON_BODY_ERRORS = [
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
] as const satisfies readonly ErrorCode[];

/** What a route that calls Stripe adds (DESIGN §4: refused, misconfigured, unreachable). */
export const STRIPE_ERRORS = [
  'STRIPE_REQUEST_FAILED',
  'STRIPE_MISCONFIGURED',
  'STRIPE_UNAVAILABLE',
] as const satisfies readonly ErrorCode[];

/**
 * Documents the error codes a route can answer with, one response per status, each in the
 * envelope shape with `error_code` narrowed to that route's codes — so a generated client knows
 * exactly which codes each call can fail with. `test/unit/route-errors.spec.ts` checks that
 * every code a route's code path can throw is listed.
 */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...codes, ...ALWAYS])) {
    const status = ERROR_CATALOG[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, list]) =>
      ApiResponse({
        status,
        description: list.map((code) => `\`${code}\`: ${ERROR_CATALOG[code].message}`).join('<br>'),
        schema: {
          allOf: [
            { $ref: getSchemaPath(ErrorEnvelope) },
            {
              type: 'object',
              required: ['error_code'],
              properties: { error_code: { type: 'string', enum: list } },
            },
          ],
        },
      }),
    ),
  );
}
