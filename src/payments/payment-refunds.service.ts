import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { ApiError } from '../errors/api-error';
import type { Payment } from '../generated/prisma/client';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { BillingSync } from '../sync';
import type { RefundDto, RefundPaymentDto, RefundReason } from './dto/refund.dto';
import { PaymentsRepository } from './payments.repository';

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  value === null || value === undefined ? null : typeof value === 'string' ? value : value.id;

/**
 * The Stripe idempotency key of a refund request. With the client's Idempotency-Key it is that
 * key (hashed, so any printable key fits Stripe's limit); without one it is the request itself
 * — the payment, the amount ("rest" for a full refund) and the reason — so a retried request
 * can never refund twice within Stripe's 24 h window. The price of the second form: the same
 * partial refund asked twice on purpose needs two distinct Idempotency-Keys.
 */
export function refundIdempotencyKey(
  paymentId: string,
  body: RefundPaymentDto,
  clientKey: string | undefined,
): string {
  if (clientKey !== undefined)
    return `refund-${paymentId}-key-${createHash('sha256').update(clientKey).digest('hex').slice(0, 32)}`;
  return `refund-${paymentId}-${body.amount ?? 'rest'}-${body.reason ?? 'none'}`;
}

/**
 * Refunds of billing-history lines (admin). Stripe decides what is left to refund — its answer
 * to an over-refund is mapped to a code — and the refund reaches the history the way every
 * refund does: the charge, applied through the sync engine (at once here, and again, as a
 * no-op, when `charge.refunded` arrives).
 */
@Injectable()
export class PaymentRefundsService {
  constructor(
    private readonly payments: PaymentsRepository,
    private readonly sync: BillingSync,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
  ) {}

  async refund(
    paymentId: string,
    body: RefundPaymentDto,
    clientKey: string | undefined,
  ): Promise<RefundDto> {
    if (clientKey !== undefined && !KEY_FORMAT.test(clientKey))
      throw new ApiError('VALIDATION_FAILED', undefined, [
        { field: 'Idempotency-Key', message: 'must be 1–255 printable characters' },
      ]);
    const payment = await this.payments.findByIdForAdmin(paymentId);
    if (payment === null) throw new ApiError('PAYMENT_NOT_FOUND');
    if (payment.type === 'REFUND' || payment.status !== 'COMPLETED')
      throw new ApiError('PAYMENT_NOT_REFUNDABLE');
    if (body.amount !== undefined && body.amount > payment.amount)
      throw new ApiError('REFUND_EXCEEDS_PAYMENT');
    const paymentIntent = await this.paymentIntentOf(payment);
    if (paymentIntent === null) throw new ApiError('PAYMENT_NOT_REFUNDABLE');
    const refund = await this.create(payment, paymentIntent, body, clientKey);
    const chargeId = idOf(refund.charge);
    if (chargeId !== null) await this.sync.refresh('charge', chargeId);
    const after = await this.payments.findByIdForAdmin(payment.id);
    return {
      refundId: refund.id,
      paymentId: payment.id,
      amount: refund.amount,
      currency: refund.currency,
      status: refund.status ?? 'pending',
      reason: (refund.reason as RefundReason | null) ?? null,
      paymentAmountRefunded: after?.amountRefunded ?? payment.amountRefunded,
    };
  }

  private async create(
    payment: Payment,
    paymentIntent: string,
    body: RefundPaymentDto,
    clientKey: string | undefined,
  ): Promise<Stripe.Refund> {
    try {
      return await this.stripe.refunds.create(
        {
          payment_intent: paymentIntent,
          ...(body.amount !== undefined ? { amount: body.amount } : {}),
          ...(body.reason !== undefined ? { reason: body.reason } : {}),
          // Names the history line, so the charge's refunds say which payment they refund.
          metadata: { paymentId: payment.id, accountId: payment.accountId },
        },
        { idempotencyKey: refundIdempotencyKey(payment.id, body, clientKey) },
      );
    } catch (error) {
      if (error instanceof Stripe.errors.StripeIdempotencyError)
        throw new ApiError('IDEMPOTENCY_KEY_REUSED');
      if (error instanceof Stripe.errors.StripeInvalidRequestError) {
        if (error.code === 'amount_too_large') throw new ApiError('REFUND_EXCEEDS_PAYMENT');
        if (error.code === 'charge_already_refunded')
          throw new ApiError('PAYMENT_ALREADY_REFUNDED');
        if (error.code === 'charge_not_refundable') throw new ApiError('PAYMENT_NOT_REFUNDABLE');
      }
      throw error;
    }
  }

  /** The payment intent that paid the line: its own, or its invoice's paid one. */
  private async paymentIntentOf(payment: Payment): Promise<string | null> {
    if (payment.stripePaymentIntentId !== null) return payment.stripePaymentIntentId;
    if (payment.stripeInvoiceId === null) return null;
    const invoice = await this.stripe.invoices.retrieve(payment.stripeInvoiceId, {
      expand: ['payments'],
    });
    const paid = (invoice.payments?.data ?? []).find(
      (entry) => entry.status === 'paid' && entry.payment.type === 'payment_intent',
    );
    return idOf(paid?.payment.payment_intent);
  }
}
