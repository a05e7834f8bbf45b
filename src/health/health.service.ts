import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { ApiError } from '../errors/api-error';
import { STRIPE_CLIENT } from '../stripe/stripe.module';
import { HealthRepository } from './health.repository';

export interface ReadinessReport {
  status: 'ready';
  checks: { database: 'up' | 'down'; stripe: 'up' | 'down' };
}

const CHECK_TIMEOUT_MS = 2000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref()),
  ]);
}

@Injectable()
export class HealthService {
  constructor(
    private readonly repository: HealthRepository,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
  ) {}

  async readiness(): Promise<ReadinessReport> {
    const [database, stripe] = await Promise.all([
      within(this.repository.ping(), CHECK_TIMEOUT_MS).then(
        () => 'up' as const,
        () => 'down' as const,
      ),
      within(
        this.stripe.products.list({ limit: 1 }, { maxNetworkRetries: 0 }),
        CHECK_TIMEOUT_MS,
      ).then(
        () => 'up' as const,
        () => 'down' as const,
      ),
    ]);
    if (database === 'down') {
      throw new ApiError('SERVICE_UNAVAILABLE', 'The database is unreachable.', [
        { field: 'database', message: 'down' },
        { field: 'stripe', message: stripe },
      ]);
    }
    return { status: 'ready', checks: { database, stripe } };
  }
}
