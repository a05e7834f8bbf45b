import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ADMIN_KEY_HEADER, ENTITLEMENTS_KEY_HEADER } from '../auth/api-auth.guard';
import { ERROR_CATALOG } from '../errors/error-codes';
import { ErrorEnvelope } from '../errors/error-envelope';

/**
 * The OpenAPI document of the API: served at /docs-json, and written offline (no server, no
 * database, no Stripe) to client/openapi.json by `npm run openapi`, from which the typed client
 * is generated.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const errorTable = Object.entries(ERROR_CATALOG)
    .map(([code, { status, message }]) => `| \`${code}\` | ${status} | ${message} |`)
    .join('\n');
  const config = new DocumentBuilder()
    .setTitle('Billing service')
    .setDescription(
      'Stripe subscription billing for SaaS products: catalog, checkout, portal, subscriptions, ' +
        'billing history, entitlements, webhooks and ops.\n\n' +
        'Every error has the envelope `ErrorEnvelope`; each route lists the codes it can answer ' +
        'with, and `error_code` is one of:\n\n' +
        '| error_code | status | message |\n|---|---|---|\n' +
        errorTable,
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addApiKey({ type: 'apiKey', in: 'header', name: ADMIN_KEY_HEADER }, 'admin-key')
    .addApiKey({ type: 'apiKey', in: 'header', name: ENTITLEMENTS_KEY_HEADER }, 'entitlements-key')
    .build();
  return SwaggerModule.createDocument(app, config, { extraModels: [ErrorEnvelope] });
}
