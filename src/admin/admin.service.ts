import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { ApiError } from '../errors/api-error';
import type { WebhookEvent } from '../generated/prisma/client';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { ResyncService, type ResyncReport } from '../sync/resync.service';
import { WebhookLedgerRepository } from '../webhooks/webhook-ledger.repository';
import { WebhooksService } from '../webhooks/webhooks.service';
import type { ReplayOutcomeDto, WebhookEventDto, WebhookEventsQueryDto } from './dto/admin.dto';

function toWebhookEventDto(row: WebhookEvent): WebhookEventDto {
  return {
    id: row.stripeEventId,
    type: row.type,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    objectId: row.objectId,
    stripeCustomerId: row.stripeCustomerId,
    stripeCreatedAt: row.stripeCreatedAt,
    receivedAt: row.receivedAt,
    processedAt: row.processedAt,
  };
}

@Injectable()
export class AdminService {
  constructor(
    private readonly ledger: WebhookLedgerRepository,
    private readonly webhooks: WebhooksService,
    private readonly resync: ResyncService,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
  ) {}

  sync(): Promise<ResyncReport> {
    return this.resync.run('admin');
  }

  async listWebhookEvents(query: WebhookEventsQueryDto): Promise<WebhookEventDto[]> {
    const rows = await this.ledger.list({ status: query.status, limit: query.limit ?? 50 });
    return rows.map(toWebhookEventDto);
  }

  /** Re-applies a stored event. It re-fetches from Stripe, so replaying is always safe. */
  async replayWebhookEvent(stripeEventId: string): Promise<WebhookEventDto> {
    const row = await this.ledger.findByStripeId(stripeEventId);
    if (row === null) throw new ApiError('WEBHOOK_EVENT_NOT_FOUND');
    await this.webhooks.apply(row.payload as unknown as Stripe.Event, { force: true });
    const updated = await this.ledger.findByStripeId(stripeEventId);
    return toWebhookEventDto(updated ?? row);
  }

  /**
   * Missed deliveries: walks Stripe's Events API from `since` and applies, oldest first, every
   * event the ledger lacks or holds as FAILED.
   */
  async replayEventsSince(since: Date): Promise<ReplayOutcomeDto> {
    const events: Stripe.Event[] = [];
    for await (const event of this.stripe.events.list({
      created: { gte: Math.floor(since.getTime() / 1000) },
      limit: 100,
    })) {
      events.push(event);
    }
    events.sort((a, b) => a.created - b.created);
    const appliedIds: string[] = [];
    for (let i = 0; i < events.length; i += 100) {
      const batch = events.slice(i, i + 100);
      const known = new Map(
        (await this.ledger.knownIds(batch.map((e) => e.id))).map((k) => [
          k.stripeEventId,
          k.status,
        ]),
      );
      for (const event of batch) {
        const status = known.get(event.id);
        if (status === 'PROCESSED' || status === 'IGNORED') continue;
        await this.webhooks.apply(event);
        appliedIds.push(event.id);
      }
    }
    return { seen: events.length, applied: appliedIds.length, appliedIds };
  }
}
