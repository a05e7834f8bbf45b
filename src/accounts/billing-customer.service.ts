import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { AccountsRepository } from './accounts.repository';

/**
 * The account's Stripe customer, created lazily on its first checkout — exactly once, even for
 * concurrent first checkouts: the account's advisory lock makes one request create while the
 * others wait and then find the link, and the Stripe idempotency key derived from the account id
 * makes a retry after a crash between Stripe's answer and our commit return the same customer.
 */
@Injectable()
export class BillingCustomerService {
  constructor(
    private readonly repo: AccountsRepository,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
  ) {}

  async ensureCustomer(accountId: string, email: string | undefined): Promise<string> {
    return this.repo.withAccountLock(accountId, async (tx) => {
      const account = await this.repo.findByIdIn(tx, accountId);
      if (account === null) throw new Error(`account ${accountId} vanished`);
      if (account.stripeCustomerId !== null) return account.stripeCustomerId;
      const customer = await this.stripe.customers.create(
        { email: email ?? account.email ?? undefined, metadata: { accountId } },
        // The row's version in the key: a retry after a crash finds the same customer, while an
        // account whose customer was deleted (and so unlinked, changing the row) gets a new one.
        { idempotencyKey: `customer-for-account-${accountId}-${account.updatedAt.getTime()}` },
      );
      await this.repo.linkCustomer(tx, accountId, customer.id);
      const linked = await this.repo.findByIdIn(tx, accountId);
      return linked?.stripeCustomerId ?? customer.id;
    });
  }

  /** Replaces a customer Stripe no longer knows, unless another request already did. */
  async replaceVanished(
    accountId: string,
    vanished: string,
    email: string | undefined,
  ): Promise<string> {
    await this.repo.withAccountLock(accountId, (tx) => this.repo.unlinkCustomer(tx, vanished));
    return this.ensureCustomer(accountId, email);
  }
}
