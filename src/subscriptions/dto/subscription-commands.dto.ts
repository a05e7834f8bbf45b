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
import { SEATS_CEILING } from '../../catalog/price-options';

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

export class SetSeatsDto {
  @ApiProperty({
    example: 5,
    minimum: 1,
    maximum: SEATS_CEILING,
    description:
      "The number of seats; within the plan price's bounds (`seats` in the catalog, default 1–100).",
  })
  @IsInt()
  @Min(1)
  @Max(SEATS_CEILING)
  seats!: number;

  @ApiPropertyOptional({
    enum: PRORATION_BEHAVIORS,
    default: 'create_prorations',
    description:
      'create_prorations: the difference for the rest of the period goes on the next invoice; ' +
      'always_invoice: it is invoiced and charged now; none: the new count applies from the next period.',
  })
  @IsOptional()
  @IsIn(PRORATION_BEHAVIORS)
  prorationBehavior?: (typeof PRORATION_BEHAVIORS)[number];

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'The `prorationDate` of a seats preview, to be charged exactly what it showed.',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  prorationDate?: string;
}

export class AddAddOnDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  quantity?: number;

  @ApiPropertyOptional({
    enum: PRORATION_BEHAVIORS,
    default: 'create_prorations',
    description:
      'create_prorations: the rest of the period goes on the next invoice; always_invoice: charged now; ' +
      'none: billed from the next period.',
  })
  @IsOptional()
  @IsIn(PRORATION_BEHAVIORS)
  prorationBehavior?: (typeof PRORATION_BEHAVIORS)[number];
}

export class RemoveAddOnQueryDto {
  @ApiPropertyOptional({
    enum: PRORATION_BEHAVIORS,
    default: 'create_prorations',
    description:
      'create_prorations: the unused time is credited on the next invoice; always_invoice: credited now; none: no credit.',
  })
  @IsOptional()
  @IsIn(PRORATION_BEHAVIORS)
  prorationBehavior?: (typeof PRORATION_BEHAVIORS)[number];
}
