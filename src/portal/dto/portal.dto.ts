import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { FrontendPath } from '../../common/frontend-path';

export const PORTAL_FLOWS = [
  'payment_method_update',
  'subscription_cancel',
  'subscription_update',
] as const;
export type PortalFlow = (typeof PORTAL_FLOWS)[number];

export class CreatePortalSessionDto {
  @FrontendPath('returnPath', '/account/billing', 'Path on FRONTEND_URL to return to.')
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
