import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { AccountsRepository } from './accounts.repository';

/**
 * The account's Stripe customer, created lazily on its first checkout — exactly once, with no
 * transaction open and no lock held while Stripe answers. Every request that finds the account
 * unlinked asks Stripe with the same idempotency key (the account id and its customer
 * generation), so concurrent first checkouts, and a retry after a crash between Stripe's answer
 * and our write, all get the one customer Stripe made; linking it is a single conditional
 * update, and whoever links second reads the link back.
 */
@Injectable()
export class BillingCustomerService {
  constructor(
    private readonly accounts: AccountsRepository,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
  ) {}

  async ensureCustomer(accountId: string, email: string | undefined): Promise<string> {
    const account = await this.accounts.findById(accountId);
    if (account === null) throw new Error(`account ${accountId} vanished`);
    if (account.stripeCustomerId !== null) return account.stripeCustomerId;
    const customer = await this.stripe.customers.create(
      { email: email ?? account.email ?? undefined, metadata: { accountId } },
      {
        idempotencyKey: `customer-for-account-${accountId}-${account.customerGeneration}`,
      },
    );
    return this.accounts.linkCustomer(accountId, customer.id);
  }

  /**
   * Replaces a customer Stripe no longer knows, unless another request already did: the
   * generation moves on, so the next creation is a new customer rather than Stripe's replay of
   * the vanished one.
   */
  async replaceVanished(
    accountId: string,
    vanished: string,
    email: string | undefined,
  ): Promise<string> {
    await this.accounts.unlinkVanishedCustomer(accountId, vanished);
    return this.ensureCustomer(accountId, email);
  }
}
