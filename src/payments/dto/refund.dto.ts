import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

/** Stripe's refund reasons. */
export const REFUND_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

export class RefundPaymentDto {
  @ApiPropertyOptional({
    example: 500,
    minimum: 1,
    description:
      'Minor units to refund; omitted: everything not refunded yet. More than what is left → 409 REFUND_EXCEEDS_PAYMENT.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(99_999_999)
  amount?: number;

  @ApiPropertyOptional({ enum: REFUND_REASONS })
  @IsOptional()
  @IsIn(REFUND_REASONS)
  reason?: RefundReason;
}

export class RefundDto {
  @ApiProperty({ example: 're_1Q…' })
  refundId!: string;

  @ApiProperty({ format: 'uuid', description: 'The billing-history line that was refunded.' })
  paymentId!: string;

  @ApiProperty({ example: 500, description: 'Minor units refunded by this refund.' })
  amount!: number;

  @ApiProperty({ example: 'usd' })
  currency!: string;

  @ApiProperty({ example: 'succeeded', description: "Stripe's refund status." })
  status!: string;

  @ApiProperty({ enum: REFUND_REASONS, nullable: true, type: String })
  reason!: RefundReason | null;

  @ApiProperty({
    example: 500,
    description: 'Minor units refunded so far of the payment, this refund included.',
  })
  paymentAmountRefunded!: number;
}
