#!/usr/bin/env node
// `prisma generate` that works with no network. Prisma 7's client needs no native engine, but
// the CLI still looks for a schema engine binary and tries to download one when it is missing.
// Pointing PRISMA_SCHEMA_ENGINE_BINARY at any executable satisfies that check; where the
// variable is already set (or the engine was downloaded), the CLI behaves as usual.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';

const cli = join(__dirname, '..', 'node_modules', 'prisma', 'build', 'index.js');
const result = spawnSync(process.execPath, [cli, 'generate'], {
  stdio: 'inherit',
  env,
  cwd: join(__dirname, '..'),
});
process.exit(result.status ?? 1);
