import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { Invoice, InvoiceLine, Prisma } from '../generated/prisma/client';

export type InvoiceWithLines = Invoice & { lines: InvoiceLine[] };

/** Where an invoice page ended: the last row's sort key (issuedAt desc, id desc). */
export interface InvoiceCursor {
  issuedAt: Date;
  id: string;
}

/** The account's invoices (receipts), always scoped by account id. */
@Injectable()
export class InvoicesRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Keyset on (issuedAt, id), served by the (accountId, issuedAt desc, id desc) index. */
  findPageByAccount(
    accountId: string,
    filter: { status?: string; after?: InvoiceCursor },
    take: number,
  ): Promise<InvoiceWithLines[]> {
    const and: Prisma.InvoiceWhereInput[] = [];
    if (filter.after !== undefined) {
      const { issuedAt, id } = filter.after;
      and.push({ issuedAt: { lte: issuedAt } });
      and.push({ OR: [{ issuedAt: { lt: issuedAt } }, { issuedAt, id: { lt: id } }] });
    }
    return this.prisma.invoice.findMany({
      where: {
        accountId,
        ...(filter.status === undefined ? {} : { status: filter.status }),
        AND: and,
      },
      orderBy: [{ issuedAt: 'desc' }, { id: 'desc' }],
      include: { lines: { orderBy: { position: 'asc' } } },
      take,
    });
  }

  findByStripeId(accountId: string, stripeId: string): Promise<InvoiceWithLines | null> {
    return this.prisma.invoice.findFirst({
      where: { accountId, stripeId },
      include: { lines: { orderBy: { position: 'asc' } } },
    });
  }

  /** The receipt links of the given invoices of the account (for billing-history rows). */
  async linksByStripeIds(
    accountId: string,
    stripeIds: string[],
  ): Promise<Map<string, { hostedInvoiceUrl: string | null; invoicePdfUrl: string | null }>> {
    if (stripeIds.length === 0) return new Map();
    const rows = await this.prisma.invoice.findMany({
      where: { accountId, stripeId: { in: stripeIds } },
      select: { stripeId: true, hostedInvoiceUrl: true, invoicePdfUrl: true },
    });
    return new Map(rows.map((row) => [row.stripeId, row]));
  }
}
