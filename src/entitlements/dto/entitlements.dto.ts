import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { GRANTING_STATUSES } from '../entitlement-grants';

/** Feature ids as products declare them in their `features` metadata (e.g. `chat`, `rag`). */
export const FEATURE_ID = /^[a-z0-9][a-z0-9_.:-]{0,63}$/;

export class FeatureParamDto {
  @ApiProperty({ example: 'rag', pattern: FEATURE_ID.source })
  @Matches(FEATURE_ID, {
    message:
      'feature must be a feature id: 1–64 of a-z, 0-9, _ . : - (starting with a letter or digit)',
  })
  feature!: string;
}

export class EntitlementPlanDto {
  @ApiProperty({ example: 'prod_pro' })
  productId!: string;

  @ApiProperty({ example: 'Pro' })
  productName!: string;

  @ApiProperty({ enum: ['subscription', 'lifetime'], example: 'subscription' })
  source!: 'subscription' | 'lifetime';

  @ApiPropertyOptional({ example: 'sub_1Q…', description: 'For a subscription grant.' })
  subscriptionId?: string;

  @ApiPropertyOptional({
    enum: GRANTING_STATUSES,
    example: 'active',
    description: 'For a subscription grant.',
  })
  status?: string;

  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    example: '2026-02-15T10:00:00.000Z',
    description:
      'End of the paid (or trial) period; for past_due, the end of the grace window; null for a lifetime grant.',
  })
  validUntil!: Date | null;
}

export class EntitlementsDto {
  @ApiProperty({ type: [String], example: ['chat', 'export', 'rag'] })
  features!: string[];

  @ApiProperty({ type: [EntitlementPlanDto] })
  plans!: EntitlementPlanDto[];

  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    example: '2026-02-15T10:00:00.000Z',
    description:
      'The latest `validUntil` of the granting subscriptions: how long the features are paid for. ' +
      'Null when a lifetime grant exists (nothing runs out) or when nothing is granted.',
  })
  validUntil!: Date | null;
}

export class FeatureEntitlementDto {
  @ApiProperty({ example: 'rag' })
  feature!: string;

  @ApiProperty({ example: true })
  entitled!: boolean;
}
