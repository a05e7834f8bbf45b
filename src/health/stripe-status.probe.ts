import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type Stripe from 'stripe';
import { gateRefusalOf } from '../stripe/budgeted-http-client';
import { withStripePurpose } from '../stripe/stripe-call-context';
import { STRIPE_CLIENT } from '../stripe/stripe.module';

export type StripeStatus = 'up' | 'down' | 'unknown';

export interface StripeStatusReport {
  status: StripeStatus;
  /** When Stripe last answered the probe (or failed to); null before the first probe ends. */
  checkedAt: Date | null;
}

/** At most one probe per this interval, whatever the rate of readiness requests. */
export const STRIPE_PROBE_INTERVAL_MS = 30_000;
const PROBE_TIMEOUT_MS = 5_000;

/**
 * Stripe's reachability, for information only: readiness reports the last known status and,
 * when it is older than 30 s, starts one probe in the background — never awaited by the
 * request, so a slow or rate-limited Stripe neither slows readiness nor fails it, and readiness
 * traffic costs Stripe at most one call per 30 s per instance.
 */
@Injectable()
export class StripeStatusProbe implements OnApplicationBootstrap {
  private report: StripeStatusReport = { status: 'unknown', checkedAt: null };
  private probing?: Promise<void>;
  private startedAt = 0;

  constructor(@Inject(STRIPE_CLIENT) private readonly stripe: Stripe) {}

  /** A first probe at start, so that the first readiness answer already knows. */
  onApplicationBootstrap(): void {
    this.current();
  }

  /** The cached status; refreshed in the background when stale. */
  current(now = Date.now()): StripeStatusReport {
    if (this.probing === undefined && now - this.startedAt >= STRIPE_PROBE_INTERVAL_MS) {
      this.startedAt = now;
      this.probing = this.probe().finally(() => {
        this.probing = undefined;
      });
    }
    return this.report;
  }

  /**
   * A background call ('probe'): it never spends the reserve kept for user-facing calls and
   * never waits for the shared Stripe budget. When the budget has no token for it, nothing was
   * learnt and the last status stands.
   */
  private async probe(): Promise<void> {
    const status = await withStripePurpose(
      'probe',
      () =>
        this.stripe.products.list(
          { limit: 1 },
          { maxNetworkRetries: 0, timeout: PROBE_TIMEOUT_MS },
        ),
      { maxWaitMs: 0 },
    ).then(
      () => 'up' as const,
      (error: unknown) =>
        gateRefusalOf(error) === 'budget-exhausted' ? undefined : ('down' as const),
    );
    if (status !== undefined) this.report = { status, checkedAt: new Date() };
  }
}
