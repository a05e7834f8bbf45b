import { Injectable } from '@nestjs/common';
import { AccountsRepository } from '../accounts/accounts.repository';
import { EntitlementsService } from '../entitlements/entitlements.service';
import { ApiError } from '../errors/api-error';
import { PaymentsService } from '../payments/payments.service';
import { PurchasesService } from '../purchases/purchases.service';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import type { WebhookEvent } from '../generated/prisma/client';
import { BillingSync, EventDeferredError, EventFailedError, type ResyncReport } from '../sync';
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
    private readonly sync: BillingSync,
    private readonly accounts: AccountsRepository,
    private readonly subscriptions: SubscriptionsService,
    private readonly purchases: PurchasesService,
    private readonly entitlements: EntitlementsService,
    private readonly payments: PaymentsService,
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

  resync(): Promise<ResyncReport> {
    return this.sync.resync('admin');
  }

  async listWebhookEvents(query: WebhookEventsQueryDto): Promise<WebhookEventDto[]> {
    const rows = await this.sync.listEvents({ status: query.status, limit: query.limit ?? 50 });
    return rows.map(toWebhookEventDto);
  }

  /** Re-applies a stored event: its object is compared again, so replaying is always safe. */
  async replayWebhookEvent(stripeEventId: string): Promise<WebhookEventDto> {
    const row = await this.sync.findEvent(stripeEventId);
    if (row === null) throw new ApiError('WEBHOOK_EVENT_NOT_FOUND');
    await this.applyOrFail(() => this.sync.replayEvent(row));
    const updated = await this.sync.findEvent(stripeEventId);
    return toWebhookEventDto(updated ?? row);
  }

  /**
   * Missed deliveries: walks Stripe's Events API from `since` and applies, oldest first, every
   * event the ledger lacks or holds as FAILED.
   */
  async replayEventsSince(since: Date): Promise<ReplayOutcomeDto> {
    const { seen, appliedIds } = await this.applyOrFail(() => this.sync.catchUp(since));
    return { seen, applied: appliedIds.length, appliedIds };
  }

  private async applyOrFail<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof EventFailedError) throw new ApiError('WEBHOOK_PROCESSING_FAILED');
      if (error instanceof EventDeferredError) throw new ApiError('WEBHOOK_DEFERRED');
      throw error;
    }
  }
}
