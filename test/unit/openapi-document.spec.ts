import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { loadConfig } from '../../src/config/app-config';
import { packageRoot } from '../../src/common/package-root';
import {
  clientSources,
  idempotentOperations,
  OPENAPI_FILE,
  OPERATIONS_FILE,
  SCHEMA_FILE,
} from '../../src/openapi/client-sources';
import { buildOfflineOpenApiDocument } from '../../src/openapi/offline-document';

describe('the OpenAPI document, built offline', () => {
  it('is committed as generated from the code, with the client types generated from it', async () => {
    const sources = await clientSources(await buildOfflineOpenApiDocument());
    const stale: string[] = [];
    for (const [file, content] of [
      [OPENAPI_FILE(), sources.openapiJson],
      [SCHEMA_FILE(), sources.schemaTs],
      [OPERATIONS_FILE(), sources.operationsTs],
    ] as const) {
      if ((await readFile(file, 'utf8')) !== content) stale.push(relative(packageRoot(), file));
    }
    // Out of date: run `npm run openapi` and commit the result.
    expect(stale).toEqual([]);
  });

  it('lists the sandbox sign-in in sandbox mode only, and the POSTs that take an Idempotency-Key', async () => {
    const sandbox = await buildOfflineOpenApiDocument();
    expect(sandbox.paths['/api/sandbox/sign-in']?.post?.tags).toEqual(['sandbox']);
    expect(idempotentOperations(sandbox)).toEqual([
      'POST /api/admin/payments/{id}/refund',
      'POST /api/checkout/sessions',
      'POST /api/payment-methods/setup',
      'POST /api/portal/sessions',
    ]);

    const stripe = await buildOfflineOpenApiDocument(
      loadConfig({
        STRIPE_SECRET_KEY: 'sk_test_offline',
        STRIPE_WEBHOOK_SECRETS: 'whsec_offline',
        DATABASE_URL: 'postgresql://offline@127.0.0.1:1/offline',
        JWT_SECRET: 'x'.repeat(32),
        FRONTEND_URL: 'https://app.example.com',
      }),
    );
    expect(stripe.paths['/api/sandbox/sign-in']).toBeUndefined();
    expect(Object.keys(stripe.paths)).toEqual(
      Object.keys(sandbox.paths).filter((path) => !path.startsWith('/api/sandbox/')),
    );
  });
});

describe('the schemas of the OpenAPI document', () => {
  it('give every property a concrete type (no bare objects from union or nullable fields)', async () => {
    const document = await buildOfflineOpenApiDocument();
    const vague: string[] = [];
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
      const properties = (schema as { properties?: Record<string, Record<string, unknown>> })
        .properties;
      for (const [property, value] of Object.entries(properties ?? {})) {
        const concrete =
          value.type !== 'object' ||
          'properties' in value ||
          'additionalProperties' in value ||
          'allOf' in value ||
          '$ref' in value;
        if (!concrete) vague.push(`${name}.${property}`);
      }
    }
    // A DTO property typed `string | null` or a union needs `type:` in its @ApiProperty.
    expect(vague).toEqual([]);
  });
});
