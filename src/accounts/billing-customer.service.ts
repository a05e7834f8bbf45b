import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ApiError } from '../errors/api-error';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { AccountsRepository } from './accounts.repository';

/** How long a creation claim outlives a silent holder; a live one renews it every third. */
export const CUSTOMER_CLAIM_LEASE_MS = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The account's Stripe customer, created lazily on its first checkout — exactly once, with no
 * transaction open and no lock held while Stripe answers. One request takes the account's
 * creation claim (a lease on the row, one conditional update) and calls Stripe with an
 * idempotency key named by the account and its customer generation; concurrent first requests,
 * on any instance, wait for its link instead of calling Stripe too. A holder that crashed stops
 * renewing its lease; the next request takes over with the same key and the same parameters, so
 * Stripe answers with the customer it already made.
 */
@Injectable()
export class BillingCustomerService {
  constructor(
    private readonly accounts: AccountsRepository,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async ensureCustomer(accountId: string, email: string | undefined): Promise<string> {
    const { timeoutMs, maxNetworkRetries } = this.config.stripe;
    const waitUntil = Date.now() + timeoutMs * (maxNetworkRetries + 1) + CUSTOMER_CLAIM_LEASE_MS;
    let pause = 25;
    for (;;) {
      const account = await this.accounts.findById(accountId);
      if (account === null) throw new Error(`account ${accountId} vanished`);
      if (account.stripeCustomerId !== null) return account.stripeCustomerId;
      const claim = await this.accounts.claimCustomerCreation(
        accountId,
        email,
        CUSTOMER_CLAIM_LEASE_MS,
      );
      if (claim !== null) return this.create(accountId, claim);
      // Another request is creating it right now.
      if (Date.now() + pause > waitUntil) throw new ApiError('CHECKOUT_IN_PROGRESS');
      await sleep(pause);
      pause = Math.min(pause * 2, 500);
    }
  }

  private async create(
    accountId: string,
    claim: { email: string | null; customerGeneration: number },
  ): Promise<string> {
    const renewal = setInterval(() => {
      this.accounts.renewCustomerClaim(accountId, CUSTOMER_CLAIM_LEASE_MS).catch(() => undefined);
    }, CUSTOMER_CLAIM_LEASE_MS / 3);
    renewal.unref();
    try {
      const customer = await this.stripe.customers.create(
        { email: claim.email ?? undefined, metadata: { accountId } },
        {
          idempotencyKey: `customer-for-account-${accountId}-${claim.customerGeneration}`,
        },
      );
      return await this.accounts.linkCustomer(accountId, customer.id);
    } catch (error) {
      await this.accounts.releaseCustomerClaim(accountId).catch(() => undefined);
      throw error;
    } finally {
      clearInterval(renewal);
    }
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
