import {
  Body,
  Controller,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { Access } from '../auth/auth.decorators';
import { ApiError } from '../errors/api-error';
import { ApiErrors, JSON_BODY_ERRORS, STRIPE_ERRORS } from '../errors/api-errors.decorator';
import { IDEMPOTENCY_HEADER } from '../idempotency/idempotency.interceptor';
import { RefundDto, RefundPaymentDto } from './dto/refund.dto';
import { PaymentRefundsService } from './payment-refunds.service';

@ApiTags('admin')
@ApiBearerAuth()
@ApiSecurity('admin-key')
@Access('admin')
@Controller('admin/payments')
export class AdminPaymentsController {
  constructor(private readonly refunds: PaymentRefundsService) {}

  @Post(':id/refund')
  @HttpCode(HttpStatus.OK)
  // The handler reads the header, which Swagger would list again, as required: one entry.
  @ApiHeader({
    name: IDEMPOTENCY_HEADER,
    required: false,
    description:
      'Any unique string: a retry with the same key and body answers the same refund and refunds nothing more; ' +
      'the same key with another body → 422. Without it, the same payment, amount and reason within 24 h are ' +
      'one refund (send distinct keys to refund the same amount twice on purpose).',
  })
  @ApiOperation({
    summary: 'Refund a payment in full or in part',
    description:
      'The id is a billing-history line (`GET /payments`, `GET /admin/accounts/:id`) of a completed ' +
      'subscription invoice or one-time purchase. The refund appears in the history as a REFUND line, and ' +
      "in the payment's `amountRefunded`.",
  })
  @ApiOkResponse({ type: RefundDto })
  @ApiErrors(
    ...JSON_BODY_ERRORS,
    ...STRIPE_ERRORS,
    'UNAUTHENTICATED',
    'ADMIN_REQUIRED',
    'PAYMENT_NOT_FOUND',
    'PAYMENT_NOT_REFUNDABLE',
    'REFUND_EXCEEDS_PAYMENT',
    'PAYMENT_ALREADY_REFUNDED',
    'IDEMPOTENCY_KEY_REUSED',
  )
  refund(
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => new ApiError('PAYMENT_NOT_FOUND') }))
    id: string,
    @Body() body: RefundPaymentDto,
    @Headers(IDEMPOTENCY_HEADER) idempotencyKey?: string,
  ): Promise<RefundDto> {
    return this.refunds.refund(id, body, idempotencyKey);
  }
}
