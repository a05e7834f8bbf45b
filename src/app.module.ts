import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AccountsModule } from './accounts/accounts.module';
import { AccountViewModule } from './account-view/account-view.module';
import { AdminModule } from './admin/admin.module';
import { BillingProfileModule } from './billing-profile/billing-profile.module';
import { CheckoutModule } from './checkout/checkout.module';
import type { Clock } from './clock/clock';
import { ClockModule } from './clock/clock.module';
import { MetricsModule } from './metrics/metrics.module';
import { InvoicesModule } from './invoices/invoices.module';
import { PaymentMethodsModule } from './payment-methods/payment-methods.module';
import { PaymentsModule } from './payments/payments.module';
import { PortalModule } from './portal/portal.module';
import { PurchasesModule } from './purchases/purchases.module';
import { SandboxSignInModule } from './sandbox-sign-in/sandbox-sign-in.module';
import { SubscriptionsModule } from './subscriptions/subscriptions.module';
import { SyncModule } from './sync';
import { WebhooksModule } from './webhooks/webhooks.module';
import { AuthModule } from './auth/auth.module';
import { CatalogModule } from './catalog/catalog.module';
import { LifecycleModule } from './common/lifecycle.module';
import { ServiceLifecycle } from './common/service-lifecycle';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { EntitlementsModule } from './entitlements/entitlements.module';
import { AllExceptionsFilter } from './errors/all-exceptions.filter';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { PublicConfigController } from './public-config/public-config.controller';
import { StripeModule, type StripeConnection } from './stripe/stripe.module';

/** What boot prepared before Nest starts: the configuration, the database and Stripe's address. */
export interface Runtime {
  config: AppConfig;
  databaseUrl: string;
  stripe: StripeConnection;
  /** Webhook signing secrets; may grow after start (sandbox mode registers its endpoint then). */
  webhookSecrets: string[];
  clock: Clock;
  /** Set when shutdown starts; readiness reads it. A process that serves no HTTP may omit it. */
  lifecycle?: ServiceLifecycle;
}

@Module({})
export class AppModule {
  static forRoot(runtime: Runtime): DynamicModule {
    const { config } = runtime;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config),
        LifecycleModule.forRoot(runtime.lifecycle ?? new ServiceLifecycle()),
        DatabaseModule.forRoot(runtime.databaseUrl, {
          size: config.database.poolSize,
          acquireTimeoutMs: config.database.poolTimeoutMs,
        }),
        StripeModule.forRoot(runtime.stripe, runtime.webhookSecrets),
        ClockModule.forRoot(runtime.clock),
        MetricsModule,
        SyncModule,
        ScheduleModule.forRoot(),
        AccountsModule,
        AuthModule,
        HealthModule,
        CatalogModule,
        SubscriptionsModule,
        WebhooksModule,
        CheckoutModule,
        PortalModule,
        AdminModule,
        PaymentsModule,
        InvoicesModule,
        PaymentMethodsModule,
        BillingProfileModule,
        PurchasesModule,
        EntitlementsModule,
        AccountViewModule,
        ...SandboxSignInModule.forConfig(config),
      ],
      controllers: [PublicConfigController],
      // Rate limiting is not a guard: it runs before routing (http-setup.ts), so unknown routes
      // and webhook bodies are limited too.
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
