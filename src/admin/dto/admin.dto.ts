import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { EntitlementsDto } from '../../entitlements/dto/entitlements.dto';
import { PaymentDto } from '../../payments/dto/payments.dto';
import { PurchaseDto } from '../../purchases/dto/purchase.dto';
import { SubscriptionDto } from '../../subscriptions/dto/subscription.dto';

const STATUSES = ['PROCESSED', 'FAILED', 'IGNORED'] as const;

export class WebhookEventsQueryDto {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: (typeof STATUSES)[number];

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class EventsReplayQueryDto {
  @ApiProperty({
    example: '2026-11-20T00:00:00Z',
    description: 'Replay events Stripe created at or after this time.',
  })
  @IsDateString({ strict: true })
  since!: string;
}

export class WebhookEventDto {
  @ApiProperty({ example: 'evt_1Q…' })
  id!: string;

  @ApiProperty({ example: 'invoice.paid' })
  type!: string;

  @ApiProperty({ enum: [...STATUSES, 'PROCESSING'] })
  status!: string;

  @ApiProperty()
  attempts!: number;

  @ApiProperty({ type: String, nullable: true })
  lastError!: string | null;

  @ApiProperty({ type: String, nullable: true })
  objectId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  stripeCustomerId!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  stripeCreatedAt!: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  receivedAt!: Date;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  processedAt!: Date | null;
}

export class ReplayOutcomeDto {
  @ApiProperty({ example: 12, description: 'Events Stripe listed in the window.' })
  seen!: number;

  @ApiProperty({
    example: 3,
    description: 'Events the ledger lacked (or had failed), now applied.',
  })
  applied!: number;

  @ApiProperty({ type: [String] })
  appliedIds!: string[];
}

export class DriftReportDto {
  @ApiProperty({ type: [String] }) products!: string[];
  @ApiProperty({ type: [String] }) prices!: string[];
  @ApiProperty({ type: [String], example: ['sub_1Q…'] }) subscriptions!: string[];
  @ApiProperty({
    type: [String],
    description:
      'Stripe ids (invoice, session, subscription, refund) whose billing-history line was repaired.',
  })
  payments!: string[];
  @ApiProperty({ type: [String] }) checkoutSessions!: string[];
  @ApiProperty({ type: [String] }) purchases!: string[];
  @ApiProperty({
    type: [String],
    example: ['in_1Q…'],
    description: 'Invoices whose receipt (amounts, status, lines) was repaired.',
  })
  invoices!: string[];
  @ApiProperty({
    type: [String],
    example: ['pm_1Q…'],
    description: 'Saved cards whose row (details, attached or detached) was repaired.',
  })
  paymentMethods!: string[];
}

export class SyncReportDto {
  @ApiProperty({ example: 'admin' }) trigger!: string;
  @ApiProperty({ type: String, format: 'date-time' }) startedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) finishedAt!: Date;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: {
      products: 4,
      prices: 5,
      customers: 12,
      subscriptions: 14,
      invoices: 40,
      checkoutSessions: 20,
      refunds: 1,
      paymentMethods: 12,
    },
  })
  scanned!: Record<string, number>;
  @ApiProperty({ type: DriftReportDto }) drift!: DriftReportDto;
  @ApiProperty({
    example: 2,
    description: 'Rows that were missing or differed from Stripe, now repaired.',
  })
  driftCount!: number;
}

export class AdminAccountDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['USER', 'ORGANIZATION'] }) kind!: string;
  @ApiProperty({ description: 'The `sub` claim, or the organisation claim.' }) externalId!: string;
  @ApiProperty({ type: String, nullable: true }) email!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'cus_1Q…' }) stripeCustomerId!:
    string | null;
  @ApiProperty({ description: 'Has had a subscription or trial: no further trial.' })
  hadTrial!: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
}

export class AdminAccountViewDto {
  @ApiProperty({ type: AdminAccountDto }) account!: AdminAccountDto;
  @ApiProperty({ type: [SubscriptionDto] }) subscriptions!: SubscriptionDto[];
  @ApiProperty({ type: [PurchaseDto] }) purchases!: PurchaseDto[];
  @ApiProperty({ type: EntitlementsDto }) entitlements!: EntitlementsDto;
  @ApiProperty({ type: [PaymentDto], description: 'The 20 most recent lines of billing history.' })
  recentPayments!: PaymentDto[];
}
