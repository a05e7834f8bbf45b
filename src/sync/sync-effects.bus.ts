import { Injectable } from '@nestjs/common';
import type { SyncEffects } from './billing-sync.service';

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
    for (const listener of this.listeners) listener(effects);
  }
}
