import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { PeriodType } from '../../catalog/catalog.mappers';
import { PERIOD_TYPES } from '../../catalog/dto/catalog.dto';
import { SUBSCRIPTION_STATUSES } from '../subscription-status';

export class SubscriptionDiscountDto {
  @ApiProperty({ example: 'di_1Q…' })
  id!: string;

  @ApiProperty({ example: 'WELCOME10' })
  couponId!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Welcome 10 %' })
  name!: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 10 })
  percentOff!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: null, description: 'Minor units.' })
  amountOff!: number | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  currency!: string | null;

  @ApiProperty({ enum: ['once', 'repeating', 'forever'], example: 'forever' })
  duration!: string;

  @ApiProperty({ type: Number, nullable: true, example: null })
  durationInMonths!: number | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time', example: null })
  end!: string | null;
}

export class SubscriptionItemDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'si_1Q…',
    description: 'The Stripe subscription item id; null for a lifetime plan.',
  })
  id!: string | null;

  @ApiProperty({ example: 'price_storage_monthly' })
  priceId!: string;

  @ApiProperty({ example: 'prod_storage' })
  productId!: string;

  @ApiProperty({ example: 'Extra storage' })
  productName!: string;

  @ApiProperty({ example: 1 })
  quantity!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 500,
    description: 'Minor units, per unit.',
  })
  unitAmount!: number | null;

  @ApiProperty({ description: 'An add-on beside the plan (product metadata `addon=true`).' })
  addOn!: boolean;

  @ApiProperty({ type: [String], example: ['storage'] })
  features!: string[];
}

export class SubscriptionDto {
  @ApiProperty({
    enum: ['subscription', 'lifetime'],
    description:
      '`subscription`: a Stripe subscription (`id` is its `sub_…` id). `lifetime`: a lifetime purchase ' +
      'shown as the plan (`id` is the purchase id, `periodType` ALL_TIME, `currentPeriodEnd` null, ' +
      '`autoRenew` false, `status` active).',
  })
  kind!: 'subscription' | 'lifetime';

  @ApiProperty({ example: 'sub_1Q…' })
  id!: string;

  @ApiProperty({ enum: SUBSCRIPTION_STATUSES, example: 'active' })
  status!: string;

  @ApiProperty({ example: 'price_pro_monthly' })
  priceId!: string;

  @ApiProperty({ example: 'prod_pro' })
  productId!: string;

  @ApiProperty({ example: 'Pro' })
  productName!: string;

  @ApiProperty({ enum: PERIOD_TYPES, example: 'MONTHLY' })
  periodType!: PeriodType;

  @ApiProperty({ type: String, nullable: true, example: 'month' })
  interval!: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 1 })
  intervalCount!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 2610,
    description:
      'What the account pays per period after discounts, minor units, for the whole quantity.',
  })
  amount!: number | null;

  @ApiPropertyOptional({
    type: () => SubscriptionDiscountDto,
    nullable: true,
    description: 'The discount in force, when there is one.',
  })
  discount?: SubscriptionDiscountDto | null;

  @ApiProperty({ example: 'usd' })
  currency!: string;

  @ApiProperty({ example: 1 })
  quantity!: number;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  currentPeriodStart!: Date | null;

  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'null for a lifetime plan: it never ends.',
  })
  currentPeriodEnd!: Date | null;

  @ApiProperty()
  cancelAtPeriodEnd!: boolean;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  canceledAt!: Date | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  endedAt!: Date | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  trialStart!: Date | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  trialEnd!: Date | null;

  @ApiProperty({
    nullable: true,
    enum: ['pause', 'cancel', 'create_invoice'],
    description:
      'What the end of the trial does when no card is on file: `pause` (status becomes paused, ' +
      'no paid features until a card is added and the subscription resumed), `cancel`, or ' +
      "`create_invoice` (Stripe's default: bill, and fail without a card); null without a trial.",
  })
  trialEndBehavior!: 'pause' | 'cancel' | 'create_invoice' | null;

  @ApiProperty({
    description:
      '"Add a card to continue": trialing or paused with no payment method on file (neither the ' +
      "subscription's own default nor the customer's invoice default). A paused subscription with " +
      'a card on file can be resumed (POST /subscriptions/current/resume).',
  })
  paymentMethodRequired!: boolean;

  @ApiProperty({
    description:
      'Will renew at the end of the period (live, not paused, and no cancellation pending).',
  })
  autoRenew!: boolean;

  @ApiProperty({ description: "Grants its product's features now (DESIGN §7)." })
  entitled!: boolean;

  @ApiProperty({
    type: [SubscriptionItemDto],
    description: 'The plan item first, then add-ons; entitlements are the union of their features.',
  })
  items!: SubscriptionItemDto[];
}

export class CurrentSubscriptionDto {
  @ApiProperty({ type: SubscriptionDto, nullable: true })
  subscription!: SubscriptionDto | null;
}
