import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/**
 * A path on FRONTEND_URL: one leading slash, so no redirect can leave the frontend's host; no
 * query or fragment, so the `session_id` the service appends stays a readable parameter.
 */
export const SAFE_PATH = /^\/(?!\/)[^\s\\?#]*$/;

/**
 * An optional body field naming where Stripe sends the browser back: a SAFE_PATH of at most 512
 * characters, documented with an example.
 */
export function FrontendPath(field: string, example: string, description: string) {
  return applyDecorators(
    ApiPropertyOptional({ example, description }),
    IsOptional(),
    IsString(),
    MaxLength(512),
    Matches(SAFE_PATH, { message: `${field} must be a path starting with a single "/"` }),
  );
}
