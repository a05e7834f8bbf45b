import { Injectable } from '@nestjs/common';
import { accountKeyOf, type Principal } from '../auth/principal';
import type { AccountRef } from '../auth/request-context';
import { AccountsRepository } from './accounts.repository';

const CACHE_LIMIT = 10_000;

/**
 * Resolves principals to billing accounts. Account ids never change, so the mapping is cached
 * in memory: the hot read paths (entitlements) then cost no account query.
 */
@Injectable()
export class AccountsService {
  private readonly cache = new Map<string, AccountRef>();

  constructor(private readonly accounts: AccountsRepository) {}

  async resolve(principal: Principal): Promise<AccountRef> {
    const { kind, externalId } = accountKeyOf(principal);
    const cacheKey = `${kind}:${externalId}`;
    const cached = this.cache.get(cacheKey);
    if (cached !== undefined) return cached;
    // An organisation's email is its billing contact, not the member who happens to call.
    const email = kind === 'USER' ? principal.email : undefined;
    const account = await this.accounts.upsertByExternalId(kind, externalId, email);
    const ref: AccountRef = { id: account.id, kind: account.kind, externalId: account.externalId };
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(cacheKey, ref);
    return ref;
  }

  async findRef(accountId: string): Promise<AccountRef | undefined> {
    const account = await this.accounts.findById(accountId);
    return account === null
      ? undefined
      : { id: account.id, kind: account.kind, externalId: account.externalId };
  }
}
