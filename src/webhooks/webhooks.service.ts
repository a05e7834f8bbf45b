import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { ApiError } from '../errors/api-error';
import { RUNTIME_WEBHOOK_SECRETS } from '../stripe/stripe.module';
import { BillingSync, EventDeferredError, EventFailedError, isStripeEvent } from '../sync';

/** Stripe's own default: a signature older than five minutes is a replay. */
const SIGNATURE_TOLERANCE_SECONDS = 300;

/** The event id when it is the body's first field, as Stripe sends it (JSON's own whitespace only). */
const LEADING_EVENT_ID = /^[ \t\n\r]*\{[ \t\n\r]*"id"[ \t\n\r]*:[ \t\n\r]*"(evt_[A-Za-z0-9_]+)"/;

/** A signed body that is not a Stripe event (not JSON, or not an event's shape): 400. */
function parseEvent(payload: string): Stripe.Event {
  let event: unknown;
  try {
    event = JSON.parse(payload);
  } catch {
    throw new ApiError('WEBHOOK_PAYLOAD_INVALID');
  }
  if (!isStripeEvent(event)) throw new ApiError('WEBHOOK_PAYLOAD_INVALID');
  return event;
}

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

  /**
   * Verifies the raw body against every configured secret (several during a rotation) and
   * parses it. Answers the body as text with the event.
   */
  verify(
    rawBody: Buffer | undefined,
    signature: string | undefined,
  ): { event: Stripe.Event; payload: string } {
    const payload = this.verifiedPayload(rawBody, signature);
    return { event: parseEvent(payload), payload };
  }

  async receive(
    rawBody: Buffer | undefined,
    signature: string | undefined,
  ): Promise<WebhookOutcome> {
    const payload = this.verifiedPayload(rawBody, signature);
    // Stripe repeats deliveries: a repeat this instance already applied is answered before the
    // body is parsed (the id is the payload's first field; otherwise the body is parsed first).
    const id = LEADING_EVENT_ID.exec(payload)?.[1];
    if (id !== undefined && this.sync.answerKnownDuplicate(id))
      return { received: true, duplicate: true };
    return this.apply(parseEvent(payload), payload);
  }

  /** The body as text, once its signature matched one of the secrets. */
  private verifiedPayload(rawBody: Buffer | undefined, signature: string | undefined): string {
    if (
      rawBody === undefined ||
      rawBody.length === 0 ||
      signature === undefined ||
      signature === ''
    ) {
      throw new ApiError('WEBHOOK_SIGNATURE_INVALID');
    }
    const verifier = Stripe.webhooks.signature;
    if (verifier === null) throw new Error('the Stripe SDK has no webhook signature verifier');
    const payload = rawBody.toString('utf8');
    for (const secret of this.secrets) {
      try {
        verifier.verifyHeader(payload, signature, secret, SIGNATURE_TOLERANCE_SECONDS);
        return payload;
      } catch (error) {
        if (error instanceof Stripe.errors.StripeSignatureVerificationError) continue;
        throw error;
      }
    }
    throw new ApiError('WEBHOOK_SIGNATURE_INVALID');
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
