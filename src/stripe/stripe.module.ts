import { Global, Module, type DynamicModule } from '@nestjs/common';
import Stripe from 'stripe';

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

export function createStripeClient(connection: StripeConnection): Stripe {
  return new Stripe(connection.apiKey, {
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
        { provide: STRIPE_CLIENT, useFactory: () => createStripeClient(connection) },
        { provide: RUNTIME_WEBHOOK_SECRETS, useValue: webhookSecrets },
      ],
      exports: [STRIPE_CLIENT, RUNTIME_WEBHOOK_SECRETS],
    };
  }
}
