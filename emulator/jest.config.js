// The emulator's own fast loop: the root config's transform, without the app's database setup.
const root = require('../jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '..',
  testEnvironment: 'node',
  roots: ['<rootDir>/emulator/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: root.transform,
  transformIgnorePatterns: root.transformIgnorePatterns,
  testTimeout: 60000,
  maxWorkers: 2,
};
