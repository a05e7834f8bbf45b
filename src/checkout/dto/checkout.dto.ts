import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { SEATS_CEILING } from '../../catalog/price-options';
import { FrontendPath } from '../../common/frontend-path';

export class CreateCheckoutSessionDto {
  @ApiPropertyOptional({
    example: 'price_pro_monthly',
    description: 'Defaults to DEFAULT_PRICE_ID.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  priceId?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: SEATS_CEILING,
    description:
      "1 to 100 (default 1); for a per-seat price the number of seats, within the price's `seats` " +
      'bounds (default its minimum).',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(SEATS_CEILING)
  quantity?: number;

  @ApiPropertyOptional({
    example: 'WELCOME10',
    description: 'Applied as a discount; must exist and be active.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  promotionCode?: string;

  @ApiPropertyOptional({ enum: ['hosted', 'embedded'], default: 'hosted' })
  @IsOptional()
  @IsIn(['hosted', 'embedded'])
  uiMode?: 'hosted' | 'embedded';

  @FrontendPath('successPath', '/billing/success', 'Path on FRONTEND_URL after payment.')
  successPath?: string;

  @FrontendPath('cancelPath', '/pricing', 'Path on FRONTEND_URL when the buyer cancels.')
  cancelPath?: string;
}

export class CheckoutSessionCreatedDto {
  @ApiProperty({ example: 'cs_test_a1…' })
  sessionId!: string;

  @ApiPropertyOptional({
    example: 'https://checkout.stripe.com/c/pay/cs_test_a1…',
    description: 'Hosted mode: redirect the browser here.',
  })
  url?: string;

  @ApiPropertyOptional({ description: 'Embedded mode: hand to Stripe.js initEmbeddedCheckout.' })
  clientSecret?: string;

  @ApiProperty({ enum: ['subscription', 'payment'] })
  mode!: 'subscription' | 'payment';

  @ApiProperty({ type: String, format: 'date-time' })
  expiresAt!: Date;
}

export class CheckoutSessionStatusDto {
  @ApiProperty({ example: 'cs_test_a1…' })
  sessionId!: string;

  @ApiProperty({ enum: ['open', 'complete', 'expired'] })
  status!: 'open' | 'complete' | 'expired';

  @ApiProperty({ enum: ['paid', 'unpaid', 'no_payment_required'] })
  paymentStatus!: string;

  @ApiProperty({ enum: ['subscription', 'payment'] })
  mode!: 'subscription' | 'payment';

  @ApiPropertyOptional({ example: 'sub_1Q…' })
  subscriptionId?: string;

  @ApiPropertyOptional({ description: 'The purchase a completed one-time checkout created.' })
  purchaseId?: string;
}
