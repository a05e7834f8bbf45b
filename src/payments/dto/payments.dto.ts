import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PaymentStatus, PaymentType } from '../../generated/prisma/enums';

const PAYMENT_STATUSES = Object.values(PaymentStatus);
const PAYMENT_TYPES = Object.values(PaymentType);

export const PAYMENTS_DEFAULT_LIMIT = 20;

/**
 * Calendar dates and date-times only (no week or ordinal dates, which Date cannot read); an
 * instant without an offset is read as UTC, see `parseInstant`.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const ISO_MESSAGE = 'must be an ISO 8601 date (2026-01-31) or date-time (2026-01-31T10:00:00Z)';

/** Query strings arrive as text; only a plain decimal becomes a number, anything else fails @IsInt. */
const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value;

export class PaymentsQueryDto {
  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-01-01T00:00:00Z',
    description:
      'ISO 8601 date or date-time (UTC unless an offset is given; a date is its midnight UTC); rows with `occurredAt >= from` (inclusive).',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: `from ${ISO_MESSAGE}` })
  @Matches(ISO_INSTANT, { message: `from ${ISO_MESSAGE}` })
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-02-01T00:00:00Z',
    description:
      'ISO 8601 date or date-time (UTC unless an offset is given; a date is its midnight UTC); rows with `occurredAt < to` (exclusive), so consecutive ranges never overlap. Must not be before `from`.',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: `to ${ISO_MESSAGE}` })
  @Matches(ISO_INSTANT, { message: `to ${ISO_MESSAGE}` })
  to?: string;

  @ApiPropertyOptional({ enum: PAYMENT_STATUSES })
  @IsOptional()
  @IsIn(PAYMENT_STATUSES)
  status?: PaymentStatus;

  @ApiPropertyOptional({ enum: PAYMENT_TYPES })
  @IsOptional()
  @IsIn(PAYMENT_TYPES)
  type?: PaymentType;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: PAYMENTS_DEFAULT_LIMIT })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({
    description: 'The `nextCursor` of the previous page, passed back unchanged.',
    example: 'MjAyNi0wMS0xNVQxMDowMDowMC4wMDBafDNmMWMxZjBlLTg…',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class PaymentDto {
  @ApiProperty({ format: 'uuid', example: '3f1c1f0e-8f9c-4a59-9a43-2d1f8b0f6c11' })
  id!: string;

  @ApiProperty({ enum: PAYMENT_TYPES, example: 'SUBSCRIPTION' })
  type!: PaymentType;

  @ApiProperty({ enum: PAYMENT_STATUSES, example: 'COMPLETED' })
  status!: PaymentStatus;

  @ApiProperty({
    example: 2900,
    description: 'Minor units (cents): paid when COMPLETED, due when FAILED, refunded for REFUND.',
  })
  amount!: number;

  @ApiProperty({
    example: 500,
    description:
      'Minor units refunded so far of this payment (each refund is also its own REFUND line); 0 on REFUND lines.',
  })
  amountRefunded!: number;

  @ApiProperty({ example: 'usd' })
  currency!: string;

  @ApiProperty({ nullable: true, type: String, example: '1 × Pro (at $29.00 / month)' })
  description!: string | null;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-01-15T10:00:00.000Z' })
  occurredAt!: Date;

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'in_1Q…',
    description:
      'The invoice (receipt) of this payment: subscription invoices and one-time purchases.',
  })
  invoiceId!: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'https://invoice.stripe.com/i/acct_…/test_…',
  })
  hostedInvoiceUrl!: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'https://…/invoices/in_1Q…/pdf',
    description:
      'The PDF of the invoice (receipt) behind this payment, once it is mirrored; `GET /invoices/{invoiceId}` has its lines.',
  })
  invoicePdfUrl!: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'sub_1Q…' })
  subscriptionId!: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'cs_test_…' })
  checkoutSessionId!: string | null;

  @ApiProperty({ nullable: true, type: String, example: 're_1Q…' })
  refundId!: string | null;
}

export class PaymentPageDto {
  @ApiProperty({ type: [PaymentDto] })
  data!: PaymentDto[];

  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as `cursor` for the next (older) page; null on the last page.',
  })
  nextCursor!: string | null;
}

/** A validated `from`/`to` as an instant: a bare date is its midnight UTC, no offset means UTC. */
export function parseInstant(value: string): Date {
  if (!value.includes('T')) return new Date(`${value}T00:00:00Z`);
  return new Date(/(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`);
}
