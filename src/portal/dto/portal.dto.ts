import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export const PORTAL_FLOWS = [
  'payment_method_update',
  'subscription_cancel',
  'subscription_update',
] as const;
export type PortalFlow = (typeof PORTAL_FLOWS)[number];

/**
 * A path on FRONTEND_URL: one leading slash, so no redirect can leave the frontend's host; no
 * query or fragment, so the `session_id` the service appends stays a readable parameter.
 */
export const SAFE_PATH = /^\/(?!\/)[^\s\\?#]*$/;

export class CreatePortalSessionDto {
  @ApiPropertyOptional({
    example: '/account/billing',
    description: 'Path on FRONTEND_URL to return to.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  @Matches(SAFE_PATH, { message: 'returnPath must be a path starting with a single "/"' })
  returnPath?: string;

  @ApiPropertyOptional({ enum: PORTAL_FLOWS, description: 'Open the portal directly on one task.' })
  @IsOptional()
  @IsIn(PORTAL_FLOWS)
  flow?: PortalFlow;
}

export class PortalSessionDto {
  @ApiProperty({ example: 'https://billing.stripe.com/p/session/…' })
  url!: string;
}
