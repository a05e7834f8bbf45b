import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import type { MetricsRegistry } from '../common/metrics.registry';
import type { SqlClient } from '../database/sql-client';
import { sql } from '../database/sql';
import { isUserFacing, type StripePurpose } from './stripe-call-context';

export interface StripeBudgetSettings {
  /** Tokens per second for the whole Stripe account, every instance together. */
  ratePerSecond: number;
  /** Bucket size: how many calls may go at once after a quiet spell. */
  burst: number;
  /** Share of the bucket only user-facing calls may use, so they are served first. */
  userReserveShare: number;
  /** How long a user-facing call may wait for a token before it fails as unavailable. */
  userMaxWaitMs: number;
}

/** The budget ran out before a call's deadline (the gate answers the SDK with a refusal). */
export class StripeBudgetExhaustedError extends Error {
  constructor(readonly purpose: StripePurpose) {
    super(`Stripe API budget exhausted for ${purpose} calls; retry later.`);
    this.name = 'StripeBudgetExhaustedError';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One token bucket per Stripe account in PostgreSQL, shared by every instance on that database:
 * a take is one statement that refills by elapsed time and spends a token only when enough are
 * left — for background calls, only above the reserve kept for user-facing ones. A caller that
 * finds the bucket short sleeps for the refill it needs, then tries again.
 */
export class StripeBudget {
  private readonly logger = new Logger(StripeBudget.name);
  private readonly account: string;
  private readonly waited: Histogram<'purpose'>;
  private readonly exhausted: Counter<'purpose'>;
  private storeFailing = false;

  constructor(
    apiKey: string,
    private readonly settings: StripeBudgetSettings,
    private readonly db: SqlClient,
    registry: MetricsRegistry,
  ) {
    // Never the key itself: a digest names the account's bucket.
    this.account = createHash('sha256').update(apiKey).digest('hex').slice(0, 32);
    this.waited = new Histogram({
      name: 'billing_stripe_budget_wait_seconds',
      help: 'Time a Stripe call waited for a token of the shared budget, by purpose.',
      labelNames: ['purpose'],
      buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.exhausted = new Counter({
      name: 'billing_stripe_budget_exhausted_total',
      help: 'Stripe calls given up because the budget had no token before their deadline.',
      labelNames: ['purpose'],
      registers: [registry],
    });
  }

  /** Waits for a token; throws StripeBudgetExhaustedError past the deadline. */
  async acquire(purpose: StripePurpose, deadline: number | undefined): Promise<void> {
    const started = Date.now();
    const limit =
      deadline ?? (isUserFacing(purpose) ? started + this.settings.userMaxWaitMs : undefined);
    const floor = isUserFacing(purpose) ? 0 : this.settings.burst * this.settings.userReserveShare;
    for (;;) {
      const shortBy = await this.take(floor);
      if (shortBy <= 0) break;
      const waitMs = Math.ceil((shortBy / this.settings.ratePerSecond) * 1000) + 5;
      if (limit !== undefined && Date.now() + waitMs > limit) {
        this.exhausted.inc({ purpose });
        this.waited.observe({ purpose }, (Date.now() - started) / 1000);
        throw new StripeBudgetExhaustedError(purpose);
      }
      await sleep(Math.min(waitMs, 1_000));
    }
    this.waited.observe({ purpose }, (Date.now() - started) / 1000);
  }

  /** Spends a token if more than `floor` + 1 are left; else answers how many are missing. */
  private async take(floor: number): Promise<number> {
    const { ratePerSecond: rate, burst } = this.settings;
    try {
      const rows = await this.db.query<{ taken: boolean; tokens: number }>(
        sql`
        WITH current AS (
          SELECT LEAST(${burst}::float8, b."tokens" + EXTRACT(EPOCH FROM clock_timestamp() - b."refilledAt") * ${rate}::float8) AS "tokens"
          FROM "StripeRateBudget" b WHERE b."account" = ${this.account}
        ), spent AS (
          INSERT INTO "StripeRateBudget" AS b ("account", "tokens", "refilledAt")
          VALUES (${this.account}, ${burst}::float8 - 1, clock_timestamp())
          ON CONFLICT ("account") DO UPDATE SET
            "tokens" = LEAST(${burst}::float8, b."tokens" + EXTRACT(EPOCH FROM clock_timestamp() - b."refilledAt") * ${rate}::float8) - 1,
            "refilledAt" = clock_timestamp()
          WHERE LEAST(${burst}::float8, b."tokens" + EXTRACT(EPOCH FROM clock_timestamp() - b."refilledAt") * ${rate}::float8) >= ${floor}::float8 + 1
          RETURNING "tokens"
        )
        SELECT EXISTS (SELECT 1 FROM spent) AS "taken", COALESCE((SELECT "tokens" FROM current), ${burst}::float8) AS "tokens"`,
        'stripe_budget_take',
      );
      this.storeFailing = false;
      const [row] = rows;
      return row.taken ? 0 : floor + 1 - row.tokens;
    } catch (error) {
      // The budget must not stop Stripe calls when its store is unreachable; Stripe's own
      // limiter (and the 429 back-off) still protects the account.
      if (!this.storeFailing)
        this.logger.warn({ error: (error as Error).message }, 'Stripe budget store unreachable');
      this.storeFailing = true;
      return 0;
    }
  }
}
