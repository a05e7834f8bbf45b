import { Controller, Headers, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
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

/**
 * The route as documented. Deliveries are served by `webhookIngress` (installed in front of
 * Nest's pipeline by the HTTP setup); this handler serves them when that is not installed.
 */
@ApiTags('webhooks')
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post('stripe')
  @NoUserToken()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Stripe webhook endpoint',
    description:
      'Verifies `Stripe-Signature` on the raw body against every secret in STRIPE_WEBHOOK_SECRETS, ' +
      "then applies the event exactly once (ledger, per-customer lock, the event's own object when " +
      'it is provably the newest state, else a fetch from Stripe outside any transaction). ' +
      '500 means Stripe should retry; 503 (with Retry-After) that the event needs Stripe and the ' +
      'Stripe API budget is spent for now. With WEBHOOK_MODE=queued the event is recorded in the ' +
      'ledger with its job and answered 200 at once; workers apply it (retrying with backoff).',
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
    'WEBHOOK_DEFERRED',
    'PAYLOAD_TOO_LARGE',
  )
  receive(
    @Req() request: Request & { rawBody?: Buffer },
    @Headers('stripe-signature') signature?: string,
  ): Promise<WebhookOutcome> {
    const body: unknown = request.body;
    return this.webhooks.receive(Buffer.isBuffer(body) ? body : request.rawBody, signature);
  }
}
