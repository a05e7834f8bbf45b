import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export const INVOICE_STATUSES = ['open', 'paid', 'void', 'uncollectible'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export const INVOICES_DEFAULT_LIMIT = 20;

/** Query strings arrive as text; only a plain decimal becomes a number, anything else fails @IsInt. */
const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value;

export class InvoicesQueryDto {
  @ApiPropertyOptional({ enum: INVOICE_STATUSES })
  @IsOptional()
  @IsIn(INVOICE_STATUSES)
  status?: InvoiceStatus;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: INVOICES_DEFAULT_LIMIT })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({
    description: 'The `nextCursor` of the previous page, passed back unchanged.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class InvoiceIdParamDto {
  @ApiProperty({
    example: 'in_1Q…',
    description: "The Stripe invoice id (a payment's `invoiceId`).",
  })
  @IsString()
  @MaxLength(255)
  @Matches(/^in_[A-Za-z0-9_]+$/, { message: 'id must be a Stripe invoice id (in_…)' })
  id!: string;
}

export class InvoiceLineDto {
  @ApiProperty({ example: 'il_1Q…' }) id!: string;

  @ApiProperty({ nullable: true, type: String, example: '1 × Pro (at $29.00 / month)' })
  description!: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'price_pro_monthly' })
  priceId!: string | null;

  @ApiProperty({ nullable: true, type: Number, example: 1 })
  quantity!: number | null;

  @ApiProperty({ example: 2900, description: 'Minor units, before discounts and exclusive tax.' })
  amount!: number;

  @ApiProperty({ example: 0, description: 'Minor units of discount on this line.' })
  discountAmount!: number;

  @ApiProperty({ example: 0, description: 'Minor units of tax on this line.' })
  taxAmount!: number;

  @ApiProperty({ example: 'usd' }) currency!: string;

  @ApiProperty({ example: false, description: 'A proration of a plan change.' })
  proration!: boolean;

  @ApiProperty({ type: String, format: 'date-time' }) periodStart!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) periodEnd!: Date;
}

export class InvoiceDto {
  @ApiProperty({ example: 'in_1Q…', description: 'The Stripe invoice id.' })
  id!: string;

  @ApiProperty({ nullable: true, type: String, example: 'A1B2C3D4-0001' })
  number!: string | null;

  @ApiProperty({ enum: INVOICE_STATUSES, example: 'paid' })
  status!: string;

  @ApiProperty({ example: 'usd' }) currency!: string;

  @ApiProperty({ example: 2900, description: 'Minor units, before discounts and exclusive tax.' })
  subtotal!: number;

  @ApiProperty({ example: 0, description: 'Minor units of discount.' })
  discountAmount!: number;

  @ApiProperty({ example: 0, description: 'Minor units of tax (exclusive and inclusive).' })
  taxAmount!: number;

  @ApiProperty({ example: 2900, description: 'Minor units: subtotal − discount + exclusive tax.' })
  total!: number;

  @ApiProperty({ example: 2900 }) amountDue!: number;
  @ApiProperty({ example: 2900 }) amountPaid!: number;
  @ApiProperty({ example: 0 }) amountRemaining!: number;

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'subscription_cycle',
    description: "Stripe's billing reason (`manual` for a one-time purchase's receipt).",
  })
  billingReason!: string | null;

  @ApiProperty({ nullable: true, type: String }) description!: string | null;

  @ApiProperty({ type: String, format: 'date-time', description: 'Service period start.' })
  periodStart!: Date;

  @ApiProperty({ type: String, format: 'date-time', description: 'Service period end.' })
  periodEnd!: Date;

  @ApiProperty({ nullable: true, type: String, description: "Stripe's hosted invoice page." })
  hostedInvoiceUrl!: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'The invoice as a PDF.' })
  invoicePdfUrl!: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'sub_1Q…' })
  subscriptionId!: string | null;

  @ApiProperty({ type: String, format: 'date-time', description: 'When it was issued.' })
  issuedAt!: Date;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  paidAt!: Date | null;

  @ApiProperty({ type: [InvoiceLineDto] })
  lines!: InvoiceLineDto[];
}

export class InvoicePageDto {
  @ApiProperty({ type: [InvoiceDto] })
  data!: InvoiceDto[];

  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as `cursor` for the next (older) page; null on the last page.',
  })
  nextCursor!: string | null;
}
