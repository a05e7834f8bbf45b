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
  private readonly byId = new Map<string, AccountRef>();

  constructor(private readonly accounts: AccountsRepository) {}

  async resolve(principal: Principal): Promise<AccountRef> {
    const { kind, externalId } = accountKeyOf(principal);
    const cached = this.cache.get(`${kind}:${externalId}`);
    if (cached !== undefined) return cached;
    // An organisation's email is its billing contact, not the member who happens to call.
    const email = kind === 'USER' ? principal.email : undefined;
    const account = await this.accounts.upsertByExternalId(kind, externalId, email);
    const ref: AccountRef = { id: account.id, kind: account.kind, externalId: account.externalId };
    this.remember(ref);
    return ref;
  }

  /** For service-to-service calls naming an account id (X-Admin-Key): cached like `resolve`. */
  async findRef(accountId: string): Promise<AccountRef | undefined> {
    const cached = this.byId.get(accountId);
    if (cached !== undefined) return cached;
    const account = await this.accounts.findById(accountId);
    if (account === null) return undefined;
    const ref: AccountRef = { id: account.id, kind: account.kind, externalId: account.externalId };
    this.remember(ref);
    return ref;
  }

  private remember(ref: AccountRef): void {
    if (this.cache.size >= CACHE_LIMIT) {
      this.cache.clear();
      this.byId.clear();
    }
    this.cache.set(`${ref.kind}:${ref.externalId}`, ref);
    this.byId.set(ref.id, ref);
  }
}
