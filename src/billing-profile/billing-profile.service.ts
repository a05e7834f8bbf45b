import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import type { AccountRef } from '../auth/request-context';
import { ApiError } from '../errors/api-error';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { BillingSync } from '../sync';
import { planTaxIds, toBillingProfileDto, toStripeAddress } from './billing-profile.mappers';
import { BillingProfileRepository } from './billing-profile.repository';
import type { BillingProfileDto, UpdateBillingProfileDto } from './dto/billing-profile.dto';

const isMissing = (error: unknown): boolean =>
  error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';

/** Stripe no longer has the account's customer (deleted at Stripe, not yet unlinked here). */
const isCustomerMissing = (error: unknown): boolean =>
  isMissing(error) && (error as Error).message.startsWith('No such customer');

/**
 * The account's billing profile: the Stripe customer's name, address and tax ids. Reads come
 * from the mirror (the customer and tax id kinds of the sync engine); changes go to Stripe first
 * and what Stripe answers is applied through the engine, so the mirror never holds what Stripe
 * refused, and changes made at Stripe (the portal, the dashboard) arrive by webhook the same way.
 */
@Injectable()
export class BillingProfileService {
  private readonly logger = new Logger(BillingProfileService.name);

  constructor(
    private readonly profiles: BillingProfileRepository,
    private readonly sync: BillingSync,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
  ) {}

  async get(accountRef: AccountRef): Promise<BillingProfileDto> {
    const account = await this.profiles.findByAccount(accountRef.id);
    if (account?.stripeCustomerId == null) throw new ApiError('BILLING_PROFILE_NOT_FOUND');
    const taxIds = await this.profiles.taxIdsOf(accountRef.id, account.stripeCustomerId);
    return toBillingProfileDto(account, taxIds);
  }

  /**
   * Tax ids are added first: they are what Stripe is most likely to refuse, and a refusal must
   * change nothing — so the ones this request already added are deleted again before the error
   * is answered, and the name and address are only written once every new tax id is accepted.
   * Tax ids no longer wanted are deleted last.
   */
  async update(accountRef: AccountRef, body: UpdateBillingProfileDto): Promise<BillingProfileDto> {
    const account = await this.profiles.findByAccount(accountRef.id);
    const customer = account?.stripeCustomerId ?? null;
    if (customer === null) throw new ApiError('NO_BILLING_CUSTOMER');
    try {
      const plan =
        body.taxIds === undefined
          ? null
          : planTaxIds(await this.stripeTaxIds(customer), body.taxIds);
      const added: string[] = [];
      try {
        for (const taxId of plan?.add ?? []) {
          const created = await this.createTaxId(customer, taxId, body.taxIds?.indexOf(taxId) ?? 0);
          added.push(created.id);
        }
        const changes: Stripe.CustomerUpdateParams = {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.address !== undefined ? { address: toStripeAddress(body.address) } : {}),
        };
        if (Object.keys(changes).length > 0)
          await this.sync.applyFromStripe(() => this.stripe.customers.update(customer, changes));
      } catch (error) {
        await this.undoAdded(customer, added);
        throw error;
      }
      for (const id of plan?.remove ?? [])
        await this.sync.applyFromStripe(() => this.stripe.customers.deleteTaxId(customer, id));
    } catch (error) {
      if (isMissing(error) && !(error instanceof ApiError))
        throw new ApiError('NO_BILLING_CUSTOMER');
      throw error;
    }
    return this.get(accountRef);
  }

  /** Stripe's list, not the mirror's: a tax id added a moment ago may not have arrived yet. */
  private async stripeTaxIds(
    customer: string,
  ): Promise<{ id: string; type: string; value: string }[]> {
    const taxIds: { id: string; type: string; value: string }[] = [];
    for await (const taxId of this.stripe.customers.listTaxIds(customer, { limit: 100 }))
      taxIds.push({ id: taxId.id, type: taxId.type, value: taxId.value });
    return taxIds;
  }

  private async createTaxId(
    customer: string,
    taxId: { type: string; value: string },
    index: number,
  ): Promise<Stripe.TaxId> {
    try {
      return await this.sync.applyFromStripe(() =>
        this.stripe.customers.createTaxId(customer, {
          type: taxId.type,
          value: taxId.value,
        }),
      );
    } catch (error) {
      // Stripe refuses an unknown type or a malformed value; a vanished customer is not that.
      if (error instanceof Stripe.errors.StripeInvalidRequestError && !isCustomerMissing(error))
        throw new ApiError('INVALID_TAX_ID', undefined, [
          { field: `taxIds[${index}]`, message: error.code ?? 'invalid tax id' },
        ]);
      throw error;
    }
  }

  /** Best effort: a tax id that cannot be deleted again is left for the webhook to mirror. */
  private async undoAdded(customer: string, added: string[]): Promise<void> {
    for (const id of added) {
      try {
        await this.sync.applyFromStripe(() => this.stripe.customers.deleteTaxId(customer, id));
      } catch (error) {
        this.logger.warn(
          { taxId: id, error: (error as Error).message },
          'could not delete a tax id added by a failed billing profile update',
        );
      }
    }
  }
}
