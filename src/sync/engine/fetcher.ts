import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { outsideTransaction } from '../../common/transaction-context';
import { gateRefusalOf } from '../../stripe/budgeted-http-client';
import { StripeBudgetExhaustedError } from '../../stripe/stripe-budget';
import { STRIPE_CLIENT } from '../../stripe/stripe.module';
import { withStripePurpose, type StripePurpose } from '../../stripe/stripe-call-context';
import type { StripeKind } from '../kinds/kind';
import { SyncClock } from './sync-clock';
import { SyncMetrics } from './sync.metrics';

export interface Fetched<O> {
  /** null: Stripe no longer has the object. */
  object: O | null;
  /** On this service's clock, in seconds. */
  startedAt: number;
  endedAt: number;
  /** performance.now() when the request left: what a waiter compares its own reads with. */
  startedMonotonic: number;
}

interface InFlight {
  startedMonotonic: number;
  promise: Promise<Fetched<{ id: string }>>;
}

/**
 * Fetches from Stripe, outside any transaction, coalesced per object: one request in flight
 * serves every caller whose decision to fetch came before that request left (its answer is then
 * provably at least as new as what each of them saw). A caller that decided later waits for it
 * and shares the next one.
 */
@Injectable()
export class CoalescedFetcher {
  private readonly inFlight = new Map<string, InFlight>();

  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    private readonly clock: SyncClock,
    private readonly metrics: SyncMetrics,
  ) {}

  async fetch<O extends { id: string }>(
    kind: StripeKind<O, unknown>,
    id: string,
    options: { notBefore: number; purpose: StripePurpose; maxWaitMs?: number; reason: string },
  ): Promise<Fetched<O>> {
    const key = `${kind.name}:${id}`;
    for (;;) {
      const current = this.inFlight.get(key);
      if (current === undefined) break;
      if (current.startedMonotonic >= options.notBefore) {
        this.metrics.fetchCoalesced(kind.name);
        return (await current.promise) as Fetched<O>;
      }
      await current.promise.catch(() => undefined);
    }
    this.metrics.fetchStarted(kind.name, options.reason);
    const startedMonotonic = performance.now();
    const startedAt = this.clock.nowSeconds();
    const promise = outsideTransaction(() =>
      withStripePurpose(options.purpose, () => kind.fetch(this.stripe, id), {
        maxWaitMs: options.maxWaitMs,
      }),
    ).then(
      (object) => ({ object, startedAt, endedAt: this.clock.nowSeconds(), startedMonotonic }),
      (error: unknown) => {
        // The shared budget had no room before the deadline: the event waits for a retry.
        if (gateRefusalOf(error) === 'budget-exhausted')
          throw new StripeBudgetExhaustedError(options.purpose);
        throw error;
      },
    );
    const entry: InFlight = { startedMonotonic, promise };
    this.inFlight.set(key, entry);
    try {
      return await promise;
    } finally {
      if (this.inFlight.get(key) === entry) this.inFlight.delete(key);
    }
  }
}
