import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestIdFor } from './logging/logging.module';
import helmet from 'helmet';
import { WEBHOOK_PATH } from './webhooks/webhooks.controller';
import { installWebhookIngress } from './webhooks/webhook-ingress';
import { WebhooksService } from './webhooks/webhooks.service';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from './config/app-config';
import { buildOpenApiDocument } from './openapi/openapi-document';
import { createValidationPipe } from './errors/validation';

export const API_PREFIX = 'api';

/** The `/api` prefix; `/metrics` stays at the root, where Prometheus looks for it. */
export function setRoutePrefix(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, { exclude: ['metrics'] });
}

/** Everything about the HTTP surface that is not a route: shared by main.ts and the tests. */
export function configureHttp(app: NestExpressApplication, config: AppConfig): void {
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    requestIdFor(req, res);
    next();
  });
  // Stripe's deliveries are served in front of Express and the API's pipeline (helmet, CORS,
  // parsers, guards, per-request logs): they need none of it; the signature is checked on the
  // raw bytes, and errors still have the envelope.
  installWebhookIngress(app.getHttpServer(), WEBHOOK_PATH, app.get(WebhooksService));
  app.useLogger(app.get(Logger));
  setRoutePrefix(app);
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.use(
    helmet({
      // Swagger UI needs inline scripts and styles on /docs.
      contentSecurityPolicy: {
        directives: {
          'script-src': ["'self'", "'unsafe-inline'"],
          'style-src': ["'self'", "'unsafe-inline'", 'https:'],
        },
      },
    }),
  );
  app.enableCors({
    origin: config.corsOrigins,
    credentials: true,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'Idempotent-Replayed'],
    maxAge: 600,
  });
  app.useBodyParser('json', { limit: config.bodyLimitBytes });
  app.useBodyParser('urlencoded', { limit: config.bodyLimitBytes, extended: false });
  app.useGlobalPipes(createValidationPipe());
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    useGlobalPrefix: false,
  });
  app.enableShutdownHooks();
}
