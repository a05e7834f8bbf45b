import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * Sandbox mode without JWT_SECRET: a random secret kept beside the embedded database, shared
 * by the service and `npm run token`, so no well-known default secret ever exists.
 */
export async function sandboxJwtSecret(file = '.data/sandbox-jwt-secret'): Promise<string> {
  const path = resolve(file);
  if (existsSync(path)) return (await readFile(path, 'utf8')).trim();
  const secret = randomBytes(32).toString('base64url');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, secret, { mode: 0o600 });
  return secret;
}
