import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { AccountsRepository } from '../accounts/accounts.repository';
import { EntitlementsService } from '../entitlements/entitlements.service';
import { ApiError } from '../errors/api-error';
import { PaymentsService } from '../payments/payments.service';
import { PurchasesService } from '../purchases/purchases.service';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import type { WebhookEvent } from '../generated/prisma/client';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { ResyncService, type ResyncReport } from '../sync/resync.service';
import { WebhookLedgerRepository } from '../webhooks/webhook-ledger.repository';
import { WebhooksService } from '../webhooks/webhooks.service';
import type {
  AdminAccountViewDto,
  ReplayOutcomeDto,
  WebhookEventDto,
  WebhookEventsQueryDto,
} from './dto/admin.dto';

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
    private readonly accounts: AccountsRepository,
    private readonly subscriptions: SubscriptionsService,
    private readonly purchases: PurchasesService,
    private readonly entitlements: EntitlementsService,
    private readonly payments: PaymentsService,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
  ) {}

  /** Everything support needs about one account, in the shapes its members see. */
  async account(accountId: string): Promise<AdminAccountViewDto> {
    const account = await this.accounts.findById(accountId);
    if (account === null) throw new ApiError('ACCOUNT_NOT_FOUND');
    const ref = { id: account.id, kind: account.kind, externalId: account.externalId };
    const [subscriptions, purchases, entitlements, payments] = await Promise.all([
      this.subscriptions.list(ref),
      this.purchases.list(ref),
      this.entitlements.list(ref),
      this.payments.history(ref, { limit: 20 }),
    ]);
    return {
      account: {
        id: account.id,
        kind: account.kind,
        externalId: account.externalId,
        email: account.email,
        stripeCustomerId: account.stripeCustomerId,
        hadTrial: account.hadTrial,
        createdAt: account.createdAt,
      },
      subscriptions,
      purchases,
      entitlements,
      recentPayments: payments.data,
    };
  }

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
