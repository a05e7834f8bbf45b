import { Controller, Headers, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Request } from 'express';
import { NoUserToken } from '../auth/auth.decorators';
import { ApiErrors } from '../errors/api-errors.decorator';
import { WebhooksService, type WebhookOutcome } from './webhooks.service';

class WebhookOutcomeDto {
  @ApiProperty({ example: true })
  received!: true;

  @ApiProperty({ required: false, description: 'The event had already been applied.' })
  duplicate?: true;
}

export const WEBHOOK_PATH = '/api/webhooks/stripe';

@ApiTags('webhooks')
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post('stripe')
  @NoUserToken()
  @SkipThrottle()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Stripe webhook endpoint',
    description:
      'Verifies `Stripe-Signature` on the raw body against every secret in STRIPE_WEBHOOK_SECRETS, ' +
      'then applies the event exactly once (ledger, per-customer lock, re-fetch from Stripe, upserts). ' +
      '500 means Stripe should retry.',
  })
  @ApiHeader({ name: 'Stripe-Signature', required: true })
  @ApiBody({
    description: 'A Stripe event, exactly as Stripe sent it.',
    schema: { type: 'object' },
  })
  @ApiOkResponse({ type: WebhookOutcomeDto })
  @ApiErrors(
    'WEBHOOK_SIGNATURE_INVALID',
    'WEBHOOK_PAYLOAD_INVALID',
    'WEBHOOK_PROCESSING_FAILED',
    'PAYLOAD_TOO_LARGE',
  )
  receive(
    @Req() request: Request,
    @Headers('stripe-signature') signature?: string,
  ): Promise<WebhookOutcome> {
    const body: unknown = request.body;
    return this.webhooks.receive(Buffer.isBuffer(body) ? body : undefined, signature);
  }
}
