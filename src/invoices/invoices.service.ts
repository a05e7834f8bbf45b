import { Injectable } from '@nestjs/common';
import type { AccountRef } from '../auth/request-context';
import { ApiError } from '../errors/api-error';
import { decodePaymentCursor, encodePaymentCursor } from '../payments/payment-cursor';
import {
  INVOICES_DEFAULT_LIMIT,
  type InvoiceDto,
  type InvoicePageDto,
  type InvoicesQueryDto,
} from './dto/invoices.dto';
import { toInvoiceDto } from './invoice.presenter';
import { InvoicesRepository, type InvoiceCursor } from './invoices.repository';

@Injectable()
export class InvoicesService {
  constructor(private readonly invoices: InvoicesRepository) {}

  async list(account: AccountRef, query: InvoicesQueryDto): Promise<InvoicePageDto> {
    let after: InvoiceCursor | undefined;
    if (query.cursor !== undefined) {
      // Same opaque (instant, uuid) form as billing history's cursors.
      const decoded = decodePaymentCursor(query.cursor);
      if (decoded === null) {
        throw new ApiError('VALIDATION_FAILED', 'The cursor is not one this API returned.', [
          { field: 'cursor', message: 'cursor must be a nextCursor returned by this endpoint' },
        ]);
      }
      after = { issuedAt: decoded.occurredAt, id: decoded.id };
    }
    const limit = query.limit ?? INVOICES_DEFAULT_LIMIT;
    // One row more than asked tells whether another page exists without a count query.
    const rows = await this.invoices.findPageByAccount(
      account.id,
      { status: query.status, after },
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      data: page.map(toInvoiceDto),
      nextCursor:
        rows.length > limit && last !== undefined
          ? encodePaymentCursor({ occurredAt: last.issuedAt, id: last.id })
          : null,
    };
  }

  async get(account: AccountRef, stripeId: string): Promise<InvoiceDto> {
    const row = await this.invoices.findByStripeId(account.id, stripeId);
    // Another account's invoice is as unknown as a missing one.
    if (row === null) throw new ApiError('INVOICE_NOT_FOUND');
    return toInvoiceDto(row);
  }
}
