import { Inject, Injectable } from '@nestjs/common';
import { ServiceLifecycle } from '../common/service-lifecycle';
import { ApiError } from '../errors/api-error';
import { databaseFailureOf } from '../errors/database-failures';
import { HealthRepository } from './health.repository';
import { StripeStatusProbe, type StripeStatus } from './stripe-status.probe';

export interface ReadinessReport {
  status: 'ready';
  checks: {
    /** `busy` when every pooled connection is taken: the database is up, this instance loaded. */
    database: 'up' | 'busy';
    /** Information only: the last background probe's answer (at most one per 30 s). */
    stripe: StripeStatus;
    stripeCheckedAt: Date | null;
  };
}

const DATABASE_CHECK_TIMEOUT_MS = 2000;

class CheckTimedOut extends Error {}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new CheckTimedOut('timed out')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

@Injectable()
export class HealthService {
  constructor(
    private readonly repository: HealthRepository,
    private readonly stripe: StripeStatusProbe,
    @Inject(ServiceLifecycle) private readonly lifecycle: ServiceLifecycle,
  ) {}

  /**
   * Ready = not shutting down and the database answers. Stripe is reported from a cache and
   * never decides: a Stripe outage must not pull every instance out of rotation.
   */
  async readiness(): Promise<ReadinessReport> {
    if (this.lifecycle.shuttingDown) {
      throw new ApiError('SERVICE_UNAVAILABLE', 'The service is shutting down.', [
        { field: 'lifecycle', message: 'shutting down' },
      ]);
    }
    const stripe = this.stripe.current();
    let database: 'up' | 'busy' = 'up';
    try {
      await within(this.repository.ping(), DATABASE_CHECK_TIMEOUT_MS);
    } catch (error) {
      // Out of pooled connections is load, not an outage: taking the instance out of rotation
      // would only move the load onto the others.
      if (
        databaseFailureOf(error) === 'busy' ||
        (error instanceof CheckTimedOut && this.repository.poolSaturated())
      ) {
        database = 'busy';
      } else {
        throw new ApiError('SERVICE_UNAVAILABLE', 'The database is unreachable.', [
          { field: 'database', message: error instanceof CheckTimedOut ? 'timed out' : 'down' },
          { field: 'stripe', message: stripe.status },
        ]);
      }
    }
    return {
      status: 'ready',
      checks: { database, stripe: stripe.status, stripeCheckedAt: stripe.checkedAt },
    };
  }
}
