import { Injectable } from '@nestjs/common';
import type { AccountRef } from '../auth/request-context';
import { ApiError } from '../errors/api-error';
import {
  parseInstant,
  PAYMENTS_DEFAULT_LIMIT,
  type PaymentPageDto,
  type PaymentsQueryDto,
} from './dto/payments.dto';
import { decodePaymentCursor, encodePaymentCursor, type PaymentCursor } from './payment-cursor';
import { toPaymentDto } from './payment.presenter';
import { InvoicesRepository } from '../invoices/invoices.repository';
import { PaymentsRepository } from './payments.repository';

@Injectable()
export class PaymentsService {
  constructor(
    private readonly payments: PaymentsRepository,
    private readonly invoices: InvoicesRepository,
  ) {}

  async history(account: AccountRef, query: PaymentsQueryDto): Promise<PaymentPageDto> {
    const from = query.from === undefined ? undefined : parseInstant(query.from);
    const to = query.to === undefined ? undefined : parseInstant(query.to);
    if (from !== undefined && to !== undefined && from.getTime() > to.getTime()) {
      throw new ApiError('VALIDATION_FAILED', '`from` must not be after `to`.', [
        { field: 'from', message: 'from must not be after to' },
        { field: 'to', message: 'to must not be before from' },
      ]);
    }
    let after: PaymentCursor | undefined;
    if (query.cursor !== undefined) {
      const decoded = decodePaymentCursor(query.cursor);
      if (decoded === null) {
        throw new ApiError('VALIDATION_FAILED', 'The cursor is not one this API returned.', [
          { field: 'cursor', message: 'cursor must be a nextCursor returned by this endpoint' },
        ]);
      }
      after = decoded;
    }
    const limit = query.limit ?? PAYMENTS_DEFAULT_LIMIT;
    // One row more than asked tells whether another page exists without a count query.
    const rows = await this.payments.findPageByAccount(
      account.id,
      { from, to, status: query.status, type: query.type, after },
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const links = await this.invoices.linksByStripeIds(
      account.id,
      page.flatMap((row) => (row.stripeInvoiceId === null ? [] : [row.stripeInvoiceId])),
    );
    return {
      data: page.map((row) =>
        toPaymentDto(
          row,
          row.stripeInvoiceId === null ? undefined : links.get(row.stripeInvoiceId),
        ),
      ),
      nextCursor:
        rows.length > limit && last !== undefined
          ? encodePaymentCursor({ occurredAt: last.occurredAt, id: last.id })
          : null,
    };
  }
}
