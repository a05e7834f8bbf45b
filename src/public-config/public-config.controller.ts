import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ApiErrors } from '../errors/api-errors.decorator';

export class PublicConfigDto {
  @ApiProperty({ enum: ['sandbox', 'test', 'live'] })
  mode!: 'sandbox' | 'test' | 'live';

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'pk_test_…',
    description: 'For Stripe.js (embedded checkout).',
  })
  publishableKey!: string | null;

  @ApiProperty({ example: 7 })
  trialDays!: number;

  @ApiProperty({ type: String, nullable: true, example: 'price_pro_monthly' })
  defaultPriceId!: string | null;

  @ApiProperty({ example: 'usd' })
  currency!: string;

  @ApiProperty({
    example: 'https://js.stripe.com/v3/',
    description:
      "Where to load Stripe.js from for embedded checkout: Stripe's own, or in sandbox mode the " +
      "emulator's offline stand-in (`Stripe(publishableKey).initEmbeddedCheckout`).",
  })
  stripeJsUrl!: string;
}

@ApiTags('config')
@Controller('config')
export class PublicConfigController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'What a frontend needs to start' })
  @ApiOkResponse({ type: PublicConfigDto })
  @ApiErrors('UNAUTHENTICATED')
  get(): PublicConfigDto {
    const { mode, stripe, billing } = this.config;
    return {
      mode,
      publishableKey: stripe.publishableKey ?? (mode === 'sandbox' ? 'pk_test_sandbox' : null),
      trialDays: billing.trialDays,
      defaultPriceId: billing.defaultPriceId ?? null,
      currency: billing.currency,
      stripeJsUrl: stripe.jsUrl,
    };
  }
}
