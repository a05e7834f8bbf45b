import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { Payment, Prisma } from '../generated/prisma/client';
import type { PaymentStatus, PaymentType } from '../generated/prisma/enums';
import type { PaymentCursor } from './payment-cursor';

export interface PaymentHistoryFilter {
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  status?: PaymentStatus;
  type?: PaymentType;
  /** Rows strictly after this one in (occurredAt desc, id desc) order. */
  after?: PaymentCursor;
}

/** Billing history, always scoped by account id. */
@Injectable()
export class PaymentsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * One page of history, newest first, by keyset on (occurredAt, id) so that rows inserted
   * while a client pages never shift a page boundary (no gaps, no repeats), and so that the
   * index (accountId, occurredAt desc, id desc) serves the read at any depth.
   */
  findPageByAccount(
    accountId: string,
    filter: PaymentHistoryFilter,
    take: number,
  ): Promise<Payment[]> {
    const occurredAt: Prisma.DateTimeFilter<'Payment'> = {};
    if (filter.from !== undefined) occurredAt.gte = filter.from;
    if (filter.to !== undefined) occurredAt.lt = filter.to;
    const and: Prisma.PaymentWhereInput[] = [];
    if (filter.after !== undefined) {
      const { occurredAt: at, id } = filter.after;
      // The plain `lte` bound is what the index can range-scan on; the OR only trims the tie.
      and.push({ occurredAt: { lte: at } });
      and.push({ OR: [{ occurredAt: { lt: at } }, { occurredAt: at, id: { lt: id } }] });
    }
    return this.prisma.payment.findMany({
      where: {
        accountId,
        occurredAt,
        ...(filter.status === undefined ? {} : { status: filter.status }),
        ...(filter.type === undefined ? {} : { type: filter.type }),
        AND: and,
      },
      orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
      take,
    });
  }

  /** One payment by id, whatever its account: for admin commands only. */
  findByIdForAdmin(id: string): Promise<Payment | null> {
    return this.prisma.payment.findUnique({ where: { id } });
  }
}
