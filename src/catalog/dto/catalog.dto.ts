import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import type { PeriodType } from '../catalog.mappers';

export const PERIOD_TYPES: PeriodType[] = [
  'ALL_TIME',
  'ONE_TIME',
  'DAILY',
  'WEEKLY',
  'MONTHLY',
  'QUARTERLY',
  'SEMIANNUAL',
  'YEARLY',
  'CUSTOM',
];

export class CatalogQueryDto {
  @ApiPropertyOptional({
    enum: ['recurring', 'one_time'],
    description: 'Only products with prices of this type.',
  })
  @IsOptional()
  @IsIn(['recurring', 'one_time'])
  type?: 'recurring' | 'one_time';

  @ApiPropertyOptional({
    type: Boolean,
    description: 'With a token: drop products the account already holds (pricing-page view).',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean()
  excludeSubscribed?: boolean;
}

export class SeatBoundsDto {
  @ApiProperty({ example: 1 })
  min!: number;

  @ApiProperty({ example: 250 })
  max!: number;
}

export class PriceDto {
  @ApiProperty({ example: 'price_pro_monthly' })
  id!: string;

  @ApiProperty({ enum: ['recurring', 'one_time'] })
  type!: 'recurring' | 'one_time';

  @ApiProperty({ type: Number, example: 2900, nullable: true, description: 'Minor units (cents).' })
  unitAmount!: number | null;

  @ApiProperty({ example: 'usd' })
  currency!: string;

  @ApiProperty({ type: String, example: 'month', nullable: true })
  interval!: string | null;

  @ApiProperty({ type: Number, example: 1, nullable: true })
  intervalCount!: number | null;

  @ApiProperty({ enum: PERIOD_TYPES, example: 'MONTHLY' })
  periodType!: PeriodType;

  @ApiProperty({ type: String, nullable: true, example: 'Pro monthly' })
  nickname!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'pro_monthly' })
  lookupKey!: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 7,
    description:
      'Trial days a first subscription on this price gets (its `trial_days` metadata, else TRIAL_DAYS); null for ' +
      'one-time prices, and for a caller whose account already had a subscription or trial.',
  })
  trialDays!: number | null;

  @ApiProperty({
    enum: ['flat', 'per_seat'],
    example: 'flat',
    description:
      '`per_seat`: the price is per seat (metadata `per_seat=true` on the price or its product); the ' +
      'quantity is the number of seats, set with `POST /subscriptions/current/seats`.',
  })
  billingScheme!: 'flat' | 'per_seat';

  @ApiProperty({
    type: () => SeatBoundsDto,
    nullable: true,
    description:
      'For a per-seat price, the seats it may be bought with (metadata `seats_min`, default 1, and ' +
      '`seats_max`, default 100); null for a flat price.',
  })
  seats!: SeatBoundsDto | null;
}

export class ProductDto {
  @ApiProperty({ example: 'prod_pro' })
  id!: string;

  @ApiProperty({ example: 'Pro' })
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ type: [String], example: ['chat', 'rag', 'export'] })
  features!: string[];

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { features: 'chat,rag,export' },
  })
  metadata!: Record<string, string>;

  @ApiProperty({ type: [PriceDto] })
  prices!: PriceDto[];

  @ApiProperty({
    description:
      'An add-on (metadata `addon=true`): sold beside a plan with `POST /subscriptions/current/add-ons/:priceId`.',
  })
  addOn!: boolean;

  @ApiPropertyOptional({
    description:
      'With a token: the account holds this product (live subscription or lifetime purchase).',
  })
  subscribed?: boolean;

  @ApiPropertyOptional({
    description: "With a token: this is the product of the account's current subscription.",
  })
  current?: boolean;
}

export class PriceWithProductDto extends PriceDto {
  @ApiProperty({ type: ProductDto })
  product!: Omit<ProductDto, 'prices'>;
}
