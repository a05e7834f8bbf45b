import { Injectable } from '@nestjs/common';

/** What one committed application of Stripe state changed, for in-memory caches. */
export class SyncEffects {
  readonly accounts = new Set<string>();
  catalogChanged = false;
}

type Listener = (effects: SyncEffects) => void;

/**
 * Tells in-memory caches (entitlements, catalog) what a committed sync changed. Published only
 * after commit, so a cache is never refilled from a transaction that then rolls back.
 */
@Injectable()
export class SyncEffectsBus {
  private readonly listeners: Listener[] = [];

  subscribe(listener: Listener): void {
    this.listeners.push(listener);
  }

  publish(effects: SyncEffects): void {
    if (effects.accounts.size === 0 && !effects.catalogChanged) return;
    for (const listener of this.listeners) listener(effects);
  }
}
