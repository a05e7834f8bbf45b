import { Global, Module, type DynamicModule } from '@nestjs/common';
import Stripe from 'stripe';
import { MetricsRegistry } from '../common/metrics.registry';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SqlClient } from '../database/sql-client';
import { BudgetedHttpClient } from './budgeted-http-client';
import { StripeBudget } from './stripe-budget';

/** Injection token of the one Stripe SDK instance. */
export const STRIPE_CLIENT = Symbol('STRIPE_CLIENT');

/** The webhook signing secrets in force (a list, for rotation); shared by reference with boot. */
export const RUNTIME_WEBHOOK_SECRETS = Symbol('RUNTIME_WEBHOOK_SECRETS');

/** Where the SDK sends its calls: Stripe itself, or the emulator in sandbox mode. */
export interface StripeConnection {
  apiKey: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  timeoutMs: number;
  maxNetworkRetries: number;
}

export function createStripeClient(
  connection: StripeConnection,
  httpClient?: Stripe.HttpClient,
): Stripe {
  return new Stripe(connection.apiKey, {
    httpClient,
    apiVersion: Stripe.API_VERSION,
    host: connection.host,
    port: connection.port,
    protocol: connection.protocol,
    timeout: connection.timeoutMs,
    maxNetworkRetries: connection.maxNetworkRetries,
    appInfo: { name: 'stripe-billing-service', version: '0.1.0' },
  });
}

/**
 * Feature code injects STRIPE_CLIENT and never learns whether Stripe or the emulator answers:
 * the difference is only the host/port/protocol chosen here at boot.
 */
@Global()
@Module({})
export class StripeModule {
  static forRoot(connection: StripeConnection, webhookSecrets: string[]): DynamicModule {
    return {
      module: StripeModule,
      providers: [
        {
          provide: STRIPE_CLIENT,
          // Every call passes the shared budget without the calling code knowing (DESIGN §6).
          useFactory: (config: AppConfig, db: SqlClient, metrics: MetricsRegistry) =>
            createStripeClient(
              connection,
              new BudgetedHttpClient(
                new StripeBudget(connection.apiKey, config.stripe.budget, db, metrics),
                metrics,
              ),
            ),
          inject: [APP_CONFIG, SqlClient, MetricsRegistry],
        },
        { provide: RUNTIME_WEBHOOK_SECRETS, useValue: webhookSecrets },
      ],
      exports: [STRIPE_CLIENT, RUNTIME_WEBHOOK_SECRETS],
    };
  }
}
