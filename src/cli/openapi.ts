/**
 * `npm run openapi` writes the OpenAPI document (client/openapi.json) and the client's types
 * generated from it (client/src/generated/), built offline from the code: no server,
 * no database, no Stripe. `npm run openapi:check` (CI) fails when either file is out of date.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { packageRoot } from '../common/package-root';
import {
  clientSources,
  OPENAPI_FILE,
  OPERATIONS_FILE,
  SCHEMA_FILE,
} from '../openapi/client-sources';
import { buildOfflineOpenApiDocument } from '../openapi/offline-document';

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const sources = await clientSources(await buildOfflineOpenApiDocument());
  const files: [string, string][] = [
    [OPENAPI_FILE(), sources.openapiJson],
    [SCHEMA_FILE(), sources.schemaTs],
    [OPERATIONS_FILE(), sources.operationsTs],
  ];
  const stale: string[] = [];
  for (const [file, content] of files) {
    const current = await readFile(file, 'utf8').catch(() => '');
    if (current === content) continue;
    stale.push(relative(packageRoot(), file));
    if (!check) await writeFile(file, content);
  }
  if (check && stale.length > 0) {
    console.error(
      `Out of date with the code: ${stale.join(', ')}. Run \`npm run openapi\` and commit the result.`,
    );
    process.exit(1);
  }
  process.stdout.write(
    stale.length === 0
      ? 'OpenAPI document and client types are up to date.\n'
      : `Wrote ${stale.join(', ')}.\n`,
  );
}

main().catch((error: unknown) => {
  console.error((error as Error).stack ?? String(error));
  process.exit(1);
});
