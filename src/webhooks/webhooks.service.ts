import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { ApiError } from '../errors/api-error';
import { RUNTIME_WEBHOOK_SECRETS } from '../stripe/stripe.module';
import { BillingSync, EventDeferredError, EventFailedError, isStripeEvent } from '../sync';

/** Stripe's own default: a signature older than five minutes is a replay. */
const SIGNATURE_TOLERANCE_SECONDS = 300;

export interface WebhookOutcome {
  received: true;
  duplicate?: true;
}

/**
 * Ingest: verifies what Stripe sent and hands the event to the engine's front door. Verifying
 * and applying stay separate steps, so a queue can sit between them.
 */
@Injectable()
export class WebhooksService {
  constructor(
    @Inject(RUNTIME_WEBHOOK_SECRETS) private readonly secrets: string[],
    private readonly sync: BillingSync,
  ) {}

  /** Verifies the raw body against every configured secret (several during a rotation). */
  verify(rawBody: Buffer | undefined, signature: string | undefined): Stripe.Event {
    if (
      rawBody === undefined ||
      rawBody.length === 0 ||
      signature === undefined ||
      signature === ''
    ) {
      throw new ApiError('WEBHOOK_SIGNATURE_INVALID');
    }
    for (const secret of this.secrets) {
      let event: unknown;
      try {
        event = Stripe.webhooks.constructEvent(
          rawBody,
          signature,
          secret,
          SIGNATURE_TOLERANCE_SECONDS,
        );
      } catch (error) {
        if (error instanceof Stripe.errors.StripeSignatureVerificationError) continue;
        // A body that is signed but not JSON.
        throw new ApiError('WEBHOOK_PAYLOAD_INVALID');
      }
      if (!isStripeEvent(event)) throw new ApiError('WEBHOOK_PAYLOAD_INVALID');
      return event;
    }
    throw new ApiError('WEBHOOK_SIGNATURE_INVALID');
  }

  async receive(
    rawBody: Buffer | undefined,
    signature: string | undefined,
  ): Promise<WebhookOutcome> {
    const event = this.verify(rawBody, signature);
    return this.apply(event, (rawBody as Buffer).toString('utf8'));
  }

  /**
   * Hands a verified event to the engine: applied now (WEBHOOK_MODE=inline: 200, maybe a
   * duplicate, 503 deferred, 500 failed) or recorded and queued (queued: 200 at once).
   */
  async apply(event: Stripe.Event, payload: string): Promise<WebhookOutcome> {
    try {
      const outcome = await this.sync.receiveEvent(event, payload);
      return outcome.status === 'duplicate'
        ? { received: true, duplicate: true }
        : { received: true };
    } catch (error) {
      if (error instanceof EventDeferredError) throw new ApiError('WEBHOOK_DEFERRED');
      if (error instanceof EventFailedError) throw new ApiError('WEBHOOK_PROCESSING_FAILED');
      throw error;
    }
  }
}
