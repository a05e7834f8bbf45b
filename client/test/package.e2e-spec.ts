import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestService, type TestService } from '../../test/support/test-service';

const run = promisify(execFile);
const CLIENT = join(__dirname, '..');
const ROOT = join(CLIENT, '..');

/**
 * The package as an application installs it: built to ES modules and declarations by its own
 * build (tsc), then imported by plain Node — no bundler, no TypeScript — against a sandbox.
 */
describe('the built client package', () => {
  let t: TestService;
  let outDir: string;

  beforeAll(async () => {
    // Inside the package, so that its dependencies resolve as they will once installed.
    outDir = await mkdtemp(join(CLIENT, '.test-build-'));
    await run(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        'tsconfig.build.json',
        '--outDir',
        outDir,
      ],
      { cwd: CLIENT },
    );
    t = await startTestService();
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await rm(outDir, { recursive: true, force: true });
  });

  it('is ES modules with type declarations, usable from plain Node', async () => {
    for (const file of [
      'index.js',
      'index.d.ts',
      'client.js',
      'polling.d.ts',
      'generated/schema.d.ts',
    ]) {
      expect(existsSync(join(outDir, file))).toBe(true);
    }
    const script = `
      import { createBillingClient, isBillingApiError } from ${JSON.stringify(join(outDir, 'index.js'))};
      const client = createBillingClient({ baseUrl: process.argv[1] });
      const { token } = await client.sandbox.signIn({ userId: 'user_esm_package' });
      const signedIn = createBillingClient({ baseUrl: process.argv[1], getToken: () => token });
      const account = await signedIn.account();
      const refused = await signedIn.subscriptions.resume().catch((error) => error);
      console.log(JSON.stringify({ kind: account.kind, code: isBillingApiError(refused) ? refused.code : null }));
    `;
    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', script, t.service.url],
      { cwd: CLIENT },
    );
    expect(JSON.parse(stdout)).toEqual({ kind: 'USER', code: 'NO_ACTIVE_SUBSCRIPTION' });
  });
});
