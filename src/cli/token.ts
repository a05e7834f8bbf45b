/**
 * `npm run token -- --sub u1 [--email a@b.c] [--org o1 --role owner] [--admin] [--expires 8h]`
 * prints a signed development token for the sandbox. It refuses in stripe mode: real accounts
 * get their tokens from the product's identity provider, never from here.
 */
import 'dotenv/config';
import { parseArgs } from 'node:util';
import jwt from 'jsonwebtoken';
import { loadConfig } from '../config/app-config';
import { ConfigError } from '../config/env-reader';
import { sandboxJwtSecret } from '../auth/sandbox-jwt-secret';

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
  const claims: Record<string, unknown> = { sub: values.sub };
  if (values.email !== undefined) claims.email = values.email;
  if (values.org !== undefined) claims[config.jwt.orgClaim] = values.org;
  if (values.role !== undefined) claims[config.jwt.roleClaim] = values.role;
  if (values.admin) claims[config.jwt.rolesClaim] = [config.admin.role];
  const token = jwt.sign(claims, secret, {
    algorithm: 'HS256',
    expiresIn: values.expires as jwt.SignOptions['expiresIn'],
    ...(config.jwt.issuer !== undefined ? { issuer: config.jwt.issuer } : {}),
    ...(config.jwt.audience !== undefined ? { audience: config.jwt.audience } : {}),
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : (error as Error).message);
  process.exit(1);
});
