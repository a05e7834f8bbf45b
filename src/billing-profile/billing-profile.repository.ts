import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { BillingProfileRow, TaxIdRow } from './billing-profile.mappers';

/** The account's mirrored billing profile: its customer fields and tax ids, scoped by account. */
@Injectable()
export class BillingProfileRepository {
  constructor(private readonly prisma: PrismaService) {}

  findByAccount(
    accountId: string,
  ): Promise<(BillingProfileRow & { stripeCustomerId: string | null }) | null> {
    return this.prisma.account.findUnique({
      where: { id: accountId },
      select: {
        stripeCustomerId: true,
        email: true,
        billingName: true,
        billingAddressLine1: true,
        billingAddressLine2: true,
        billingAddressCity: true,
        billingAddressState: true,
        billingAddressPostalCode: true,
        billingAddressCountry: true,
      },
    });
  }

  /** The tax ids of the account's current customer, oldest first. */
  taxIdsOf(accountId: string, stripeCustomerId: string): Promise<TaxIdRow[]> {
    return this.prisma.customerTaxId.findMany({
      where: { accountId, stripeCustomerId },
      orderBy: [{ stripeCreatedAt: 'asc' }, { stripeId: 'asc' }],
      select: { stripeId: true, type: true, value: true, country: true, verificationStatus: true },
    });
  }
}
