// Lets `node -r ./scripts/ts-require-hook.cjs some/file.ts` run the TypeScript sources directly,
// compiled with the same SWC settings as the Jest tests. Tests use it to start the emulator and
// the service as real child processes (restarts, SIGKILL) without building dist/ first. Compiled
// files are cached in the system's temporary folder, keyed by path, size and modification time.
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, statSync, writeFileSync, renameSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { transformSync } = require('@swc/core');

const cacheDirectory = join(tmpdir(), 'billing-ts-require-hook');
mkdirSync(cacheDirectory, { recursive: true });

function compile(filename) {
  const stat = statSync(filename);
  const key = createHash('sha1').update(`${filename}\0${stat.size}\0${stat.mtimeMs}`).digest('hex');
  const cached = join(cacheDirectory, `${key}.js`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
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
    // Written aside and renamed, so a concurrent process never reads half a file.
    const temporary = `${cached}.${process.pid}.tmp`;
    writeFileSync(temporary, code);
    renameSync(temporary, cached);
    return code;
  }
}

require.extensions['.ts'] = (module, filename) => {
  module._compile(compile(filename), filename);
};
