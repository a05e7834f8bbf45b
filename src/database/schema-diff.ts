import { readFile } from 'node:fs/promises';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';

/**
 * Produces the SQL that takes one Prisma schema to another, with Prisma's WebAssembly schema
 * engine from npm — the same engine the CLI runs, without the native binary it downloads.
 */

/** The part of the WebAssembly global used here (TypeScript declares it only in the DOM lib). */
type WasmExports = Record<string, unknown>;
declare const WebAssembly: {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, unknown>,
  ): Promise<{ instance: { exports: WasmExports } }>;
};

interface SchemaEngineGlue {
  __wbg_set_wasm(exports: WasmExports): void;
  SchemaEngine: {
    new: (
      options: { datamodels: [string, string][] | undefined },
      log: (message: string) => void,
      adapter: object,
    ) => Promise<SchemaEngine>;
  };
}

type DiffTarget =
  { tag: 'empty' } | { tag: 'schemaDatamodel'; files: { path: string; content: string }[] };

interface SchemaEngine {
  diff(params: {
    from: DiffTarget;
    to: DiffTarget;
    script: boolean;
    exitCode: boolean | null;
    filters: { externalTables: string[]; externalEnums: string[] };
  }): Promise<{ exitCode: number; stdout: string | null }>;
  free(): void;
}

async function loadEngine(): Promise<SchemaEngineGlue> {
  // The glue is an ES module that expects its wasm instance to be handed over.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an ES module loaded through require(esm)
  const glue = require('@prisma/schema-engine-wasm/schema_engine_bg') as SchemaEngineGlue;
  const wasmFile = require
    .resolve('@prisma/schema-engine-wasm')
    .replace(/schema_engine\.js$/, 'schema_engine_bg.wasm');
  const { instance } = await WebAssembly.instantiate(await readFile(wasmFile), {
    './schema_engine_bg.js': glue,
  });
  glue.__wbg_set_wasm(instance.exports);
  const start = instance.exports.__wbindgen_start;
  if (typeof start === 'function') (start as () => void)();
  return glue;
}

/**
 * SQL from `fromSchema` (undefined = empty database) to `toSchema`. The engine connects to a
 * database even for a schema-to-schema diff (to learn the server's version); it changes nothing.
 */
export async function diffSchemas(
  databaseUrl: string,
  fromSchema: string | undefined,
  toSchema: string,
): Promise<string> {
  const glue = await loadEngine();
  const adapter = bindMigrationAwareSqlAdapterFactory(
    new PrismaPg({ connectionString: databaseUrl }),
  );
  const engine = await glue.SchemaEngine.new({ datamodels: undefined }, () => undefined, adapter);
  try {
    const result = await engine.diff({
      from:
        fromSchema === undefined
          ? { tag: 'empty' }
          : { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: fromSchema }] },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: toSchema }] },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    return result.stdout ?? '';
  } finally {
    engine.free();
  }
}
