import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

export class PublicConfigDto {
  @ApiProperty({ enum: ['sandbox', 'test', 'live'] })
  mode!: 'sandbox' | 'test' | 'live';

  @ApiProperty({
    nullable: true,
    example: 'pk_test_…',
    description: 'For Stripe.js (embedded checkout).',
  })
  publishableKey!: string | null;

  @ApiProperty({ example: 7 })
  trialDays!: number;

  @ApiProperty({ nullable: true, example: 'price_pro_monthly' })
  defaultPriceId!: string | null;

  @ApiProperty({ example: 'usd' })
  currency!: string;
}

@ApiTags('config')
@Controller('config')
export class PublicConfigController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'What a frontend needs to start' })
  @ApiOkResponse({ type: PublicConfigDto })
  get(): PublicConfigDto {
    const { mode, stripe, billing } = this.config;
    return {
      mode,
      publishableKey: stripe.publishableKey ?? (mode === 'sandbox' ? 'pk_test_sandbox' : null),
      trialDays: billing.trialDays,
      defaultPriceId: billing.defaultPriceId ?? null,
      currency: billing.currency,
    };
  }
}
