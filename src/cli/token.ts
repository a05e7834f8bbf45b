/**
 * `npm run token -- --sub u1 [--email a@b.c] [--org o1 --role owner] [--admin] [--expires 8h]`
 * prints a signed development token for the sandbox. It refuses in stripe mode: real accounts
 * get their tokens from the product's identity provider, never from here.
 */
import 'dotenv/config';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/app-config';
import { ConfigError } from '../config/env-reader';
import { sandboxJwtSecret } from '../auth/sandbox-jwt-secret';
import { signSandboxToken } from '../sandbox-sign-in/sandbox-token';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `90s`, `30m`, `8h`, `7d`, or plain seconds. */
function durationSeconds(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (match === null || Number(match[1]) === 0) {
    throw new Error(`--expires must be a duration such as 30m, 8h or 7d (got "${value}")`);
  }
  return Number(match[1]) * UNIT_SECONDS[match[2] || 's'];
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  if (config.mode !== 'sandbox') {
    throw new Error('npm run token works only in sandbox mode (STRIPE_SECRET_KEY is set).');
  }
  if (config.jwt.jwksUrl !== undefined && config.jwt.secret === undefined) {
    throw new Error('JWT_JWKS_URL is set: tokens come from that identity provider, not from here.');
  }
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      email: { type: 'string' },
      org: { type: 'string' },
      role: { type: 'string' },
      admin: { type: 'boolean', default: false },
      expires: { type: 'string', default: '8h' },
    },
  });
  if (values.sub === undefined) {
    throw new Error(
      'usage: npm run token -- --sub <user id> [--email a@b.c] [--org <org id> --role owner] [--admin] [--expires 8h]',
    );
  }
  const secret = config.jwt.secret ?? (await sandboxJwtSecret());
  const expiresIn = durationSeconds(values.expires);
  const { token } = signSandboxToken(
    config,
    secret,
    {
      userId: values.sub,
      email: values.email,
      orgId: values.org,
      role: values.role,
      admin: values.admin,
    },
    expiresIn,
  );
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : (error as Error).message);
  process.exit(1);
});
