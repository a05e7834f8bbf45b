import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { FrontendPath } from '../../common/frontend-path';

/** Stripe payment method ids: `pm_` and Stripe's id alphabet. */
export const PAYMENT_METHOD_ID = /^pm_[A-Za-z0-9]{1,250}$/;

export class PaymentMethodIdParamDto {
  @ApiProperty({
    example: 'pm_1Q0PsIJvEtkwdCNYMSaVuRz6',
    description: 'The Stripe payment method id.',
  })
  @IsString()
  @Matches(PAYMENT_METHOD_ID, { message: 'id must be a Stripe payment method id (pm_…)' })
  id!: string;
}

export class PaymentMethodDto {
  @ApiProperty({
    example: 'pm_1Q0PsIJvEtkwdCNYMSaVuRz6',
    description: 'The Stripe payment method id.',
  })
  id!: string;

  @ApiProperty({ example: 'card' })
  type!: string;

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'visa',
    description: "Stripe's card brand: amex, diners, discover, jcb, mastercard, unionpay, visa…",
  })
  brand!: string | null;

  @ApiProperty({ nullable: true, type: String, example: '4242' })
  last4!: string | null;

  @ApiProperty({ nullable: true, type: Number, example: 12, minimum: 1, maximum: 12 })
  expMonth!: number | null;

  @ApiProperty({ nullable: true, type: Number, example: 2030 })
  expYear!: number | null;

  @ApiProperty({
    description:
      "The customer's default card (`invoice_settings.default_payment_method`): invoices are charged to it.",
  })
  isDefault!: boolean;

  @ApiProperty({ type: String, format: 'date-time', description: 'When the card was saved.' })
  createdAt!: Date;
}

export class CreateSetupSessionDto {
  @ApiPropertyOptional({ enum: ['hosted', 'embedded'], default: 'hosted' })
  @IsOptional()
  @IsIn(['hosted', 'embedded'])
  uiMode?: 'hosted' | 'embedded';

  @FrontendPath(
    'successPath',
    '/billing',
    'Path on FRONTEND_URL once the card is saved (default PORTAL_RETURN_PATH); `?setup_session_id=…` is appended.',
  )
  successPath?: string;

  @FrontendPath(
    'cancelPath',
    '/billing',
    'Path on FRONTEND_URL when the buyer gives up (default PORTAL_RETURN_PATH).',
  )
  cancelPath?: string;
}

export class SetupSessionDto {
  @ApiProperty({ example: 'cs_test_c1…' })
  sessionId!: string;

  @ApiPropertyOptional({
    example: 'https://checkout.stripe.com/c/pay/cs_test_c1…',
    description: 'Hosted mode: redirect the browser here.',
  })
  url?: string;

  @ApiPropertyOptional({ description: 'Embedded mode: hand to Stripe.js initEmbeddedCheckout.' })
  clientSecret?: string;

  @ApiProperty({ enum: ['setup'] })
  mode!: 'setup';

  @ApiProperty({ type: String, format: 'date-time' })
  expiresAt!: Date;
}
