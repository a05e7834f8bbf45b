import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from '../app.module';
import { systemClock } from '../clock/clock';
import { loadConfig, type AppConfig } from '../config/app-config';
import { setRoutePrefix } from '../http-setup';
import { buildOpenApiDocument } from './openapi-document';

/**
 * The OpenAPI document without a server: Nest's preview mode builds the module graph and reads
 * every controller's metadata but instantiates no provider, so no database, Stripe or emulator
 * is touched. By default the configuration of a fresh sandbox (the environment is not read), so
 * the document is the same on every machine and includes the sandbox-only routes, marked as such.
 */
export async function buildOfflineOpenApiDocument(
  config: AppConfig = loadConfig({}),
): Promise<OpenAPIObject> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({
      config,
      // Never connected to: preview mode creates no provider.
      databaseUrl: 'postgresql://offline@127.0.0.1:1/offline',
      stripe: { apiKey: 'sk_test_offline', timeoutMs: 1000, maxNetworkRetries: 0 },
      webhookSecrets: [],
      clock: systemClock,
    }),
    { preview: true, logger: false, abortOnError: false, bodyParser: false },
  );
  try {
    setRoutePrefix(app);
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** The committed form of the document: stable key order as built, two-space JSON, final newline. */
export function serialiseOpenApiDocument(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
