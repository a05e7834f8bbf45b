import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { RUNTIME_WEBHOOK_SECRETS } from '../stripe/stripe.module';
import { ApiError } from '../errors/api-error';
import type { Prisma } from '../generated/prisma/client';
import { BillingSyncService, SyncEffects } from '../sync/billing-sync.service';
import { SyncRepository } from '../sync/sync.repository';
import { SyncEffectsBus } from '../sync/sync-effects.bus';
import { isStripeEvent, routeEvent } from './event-routing';
import { WebhookLedgerRepository, type LedgerEntry } from './webhook-ledger.repository';
import { WebhookMetrics } from './webhook.metrics';

/** Stripe's own default: a signature older than five minutes is a replay. */
const SIGNATURE_TOLERANCE_SECONDS = 300;

export interface WebhookOutcome {
  received: true;
  duplicate?: true;
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // Keep the ledger readable and free of anything secret-shaped.
  return text.replace(/(sk|rk|whsec)_(test_|live_)?[A-Za-z0-9]+/g, '$1_[redacted]').slice(0, 1000);
}

@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(
    @Inject(RUNTIME_WEBHOOK_SECRETS) private readonly secrets: string[],
    private readonly ledger: WebhookLedgerRepository,
    private readonly sync: BillingSyncService,
    private readonly syncRepository: SyncRepository,
    private readonly effectsBus: SyncEffectsBus,
    private readonly metrics: WebhookMetrics,
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
    return this.apply(event);
  }

  /**
   * Applies one event exactly once (DESIGN §6): ledger row, the customer's advisory lock, a
   * re-fetch of the object, upserts, then PROCESSED — all in one transaction. On failure the
   * transaction rolls back, the failure is recorded outside it, and the caller answers 500 so
   * that Stripe retries.
   */
  async apply(event: Stripe.Event, options: { force?: boolean } = {}): Promise<WebhookOutcome> {
    const started = process.hrtime.bigint();
    this.metrics.received(event.type);
    const route = routeEvent(event);
    const entry: LedgerEntry = {
      stripeEventId: event.id,
      type: event.type,
      apiVersion: event.api_version ?? null,
      objectId: route?.objectId ?? null,
      stripeCustomerId: route?.stripeCustomerId ?? null,
      stripeCreatedAt: new Date(event.created * 1000),
      payload: event as unknown as Prisma.InputJsonValue,
    };
    const effects = new SyncEffects();
    let duplicate = false;
    try {
      // The ledger insert takes the customer's advisory lock first, in the same statement.
      await this.syncRepository.inTransaction(async (tx) => {
        const before = await this.ledger.recordOnce(
          tx,
          entry,
          route?.lockKey ?? `event:${event.id}`,
        );
        if (!options.force && (before === 'PROCESSED' || before === 'IGNORED')) {
          duplicate = true;
          return;
        }
        if (route === null) {
          await this.ledger.finish(tx, event.id, 'IGNORED', 'event type not handled');
          return;
        }
        await this.sync.apply(tx, route.kind, route.objectId, effects);
        const ignored =
          effects.ignoredBecause !== undefined &&
          effects.accounts.size === 0 &&
          !effects.catalogChanged;
        // A new event was recorded as PROCESSED with its insert; anything else is written here.
        if (ignored || before !== null || effects.ignoredBecause !== undefined) {
          await this.ledger.finish(
            tx,
            event.id,
            ignored ? 'IGNORED' : 'PROCESSED',
            effects.ignoredBecause,
          );
        }
      });
    } catch (error) {
      this.metrics.failed(event.type);
      const text = errorText(error);
      this.logger.warn(
        { eventId: event.id, type: event.type, error: text },
        'webhook event failed; Stripe will retry',
      );
      await this.ledger.recordFailure(entry, text).catch((recordError: unknown) => {
        this.logger.error(
          { eventId: event.id, error: errorText(recordError) },
          'could not record the failure',
        );
      });
      throw new ApiError('WEBHOOK_PROCESSING_FAILED');
    }
    if (duplicate) {
      this.metrics.duplicate(event.type);
      return { received: true, duplicate: true };
    }
    this.effectsBus.publish(effects);
    this.metrics.applied(event.type, started, event.created);
    return { received: true };
  }
}
