import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { OpenAPIObject } from '@nestjs/swagger';
import { packageRoot } from '../common/package-root';
import { serialiseOpenApiDocument } from './offline-document';

const run = promisify(execFile);

export const CLIENT_DIR = (): string => join(packageRoot(), 'client');
/** The committed OpenAPI document, the client's source of truth. */
export const OPENAPI_FILE = (): string => join(CLIENT_DIR(), 'openapi.json');
/** The TypeScript types generated from it by openapi-typescript. */
export const SCHEMA_FILE = (): string => join(CLIENT_DIR(), 'src', 'generated', 'schema.ts');
/** What the client needs at run time from the document: the error codes, the idempotent POSTs. */
export const OPERATIONS_FILE = (): string =>
  join(CLIENT_DIR(), 'src', 'generated', 'operations.ts');

export interface ClientSources {
  openapiJson: string;
  schemaTs: string;
  operationsTs: string;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** `METHOD /path` of every operation that accepts an `Idempotency-Key` header. */
export function idempotentOperations(document: OpenAPIObject): string[] {
  const found: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const parameters = item[method]?.parameters ?? [];
      const takesKey = parameters.some(
        (parameter) =>
          'in' in parameter &&
          parameter.in === 'header' &&
          parameter.name.toLowerCase() === 'idempotency-key',
      );
      if (takesKey) found.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return found.sort();
}

function operationsModule(document: OpenAPIObject): string {
  const envelope = document.components?.schemas?.ErrorEnvelope as
    { properties?: { error_code?: { enum?: string[] } } } | undefined;
  const codes = envelope?.properties?.error_code?.enum ?? [];
  const list = (values: string[]): string =>
    values.map((value) => `  ${JSON.stringify(value)},`).join('\n');
  return [
    '// Generated from openapi.json by `npm run openapi`. Do not edit.',
    '',
    '/** Every `error_code` the API answers with. */',
    `export const ERROR_CODES = [\n${list(codes)}\n] as const;`,
    '',
    '/** Operations that take an `Idempotency-Key` header, as `METHOD /path`. */',
    `export const IDEMPOTENT_OPERATIONS = [\n${list(idempotentOperations(document))}\n] as const;`,
    '',
  ].join('\n');
}

/** openapi-typescript's own CLI, so the output is exactly what anyone running it would get. */
function openapiTypescriptCli(): string {
  const manifest = require.resolve('openapi-typescript/package.json', { paths: [CLIENT_DIR()] });
  return join(dirname(manifest), 'bin', 'cli.js');
}

/** The two generated files of the client package, from a document. */
export async function clientSources(document: OpenAPIObject): Promise<ClientSources> {
  const openapiJson = serialiseOpenApiDocument(document);
  // The CLI reads the document from stdin when given no path; feed it the exact committed text.
  // Defaults describe what the service assumes when a field is left out: request fields with a
  // default stay optional.
  const child = run(process.execPath, [openapiTypescriptCli(), '--default-non-nullable=false'], {
    cwd: CLIENT_DIR(),
    maxBuffer: 32 * 1024 * 1024,
  });
  child.child.stdin?.end(openapiJson);
  const { stdout } = await child;
  return { openapiJson, schemaTs: stdout, operationsTs: operationsModule(document) };
}
