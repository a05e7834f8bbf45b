import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

export class CancelSubscriptionDto {
  @ApiPropertyOptional({
    default: true,
    description: 'true: keep access until the period ends, then stop; false: cancel now.',
  })
  @IsOptional()
  @IsBoolean()
  atPeriodEnd?: boolean;
}

export const PRORATION_BEHAVIORS = ['create_prorations', 'none', 'always_invoice'] as const;

export class ChangeSubscriptionDto {
  @ApiProperty({ example: 'price_pro_yearly' })
  @IsString()
  @MaxLength(255)
  priceId!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  quantity?: number;

  @ApiPropertyOptional({
    enum: PRORATION_BEHAVIORS,
    default: 'create_prorations',
    description:
      "Stripe's proration_behavior: credit and charge the difference, do nothing, or invoice it now.",
  })
  @IsOptional()
  @IsIn(PRORATION_BEHAVIORS)
  prorationBehavior?: (typeof PRORATION_BEHAVIORS)[number];

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-12-01T10:00:00Z',
    description:
      'Compute prorations as of this instant (inside the current period, not in the future): ' +
      'pass the `prorationDate` of a preview to be charged exactly what it showed.',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  prorationDate?: string;
}
