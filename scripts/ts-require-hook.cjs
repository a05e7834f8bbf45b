// Lets `node -r ./scripts/ts-require-hook.cjs some/file.ts` run the TypeScript sources directly,
// compiled with the same SWC settings as the Jest tests. Tests use it to start the emulator and
// the service as real child processes (restarts, SIGKILL) without building dist/ first.
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
