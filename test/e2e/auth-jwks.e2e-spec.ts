import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, newUser, signToken } from '../support/tokens';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

function makeKey(kid: string, alg: 'RS256' | 'ES256'): SigningKey {
  const { privateKey, publicKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid,
    alg,
    privateKey,
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' },
  };
}

const ISSUER = 'https://id.example.test/';
const AUDIENCE = 'billing-api';

describe('auth with JWKS, issuer and audience', () => {
  let jwks: Server;
  let published: SigningKey[];
  let t: TestService;
  const sign = (key: SigningKey, claims: object, options: jwt.SignOptions = {}) =>
    jwt.sign(claims, key.privateKey, {
      algorithm: key.alg,
      keyid: key.kid,
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: '5m',
      ...options,
    });

  beforeAll(async () => {
    published = [makeKey('key-1', 'RS256')];
    jwks = createServer((_, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: published.map((k) => k.jwk) }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const { port } = jwks.address() as AddressInfo;
    t = await startTestService({
      JWT_SECRET: '',
      JWT_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
    });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  it('accepts an RS256 token from the published key', async () => {
    await t.http
      .get('/api/subscriptions/current')
      .set(bearer(sign(published[0], newUser())))
      .expect(200);
  });

  it('follows a key rotation to a new ES256 key without a restart', async () => {
    const rotated = makeKey('key-2', 'ES256');
    published = [rotated];
    await t.http
      .get('/api/subscriptions/current')
      .set(bearer(sign(rotated, newUser())))
      .expect(200);
  });

  it.each([
    ['a wrong issuer', { issuer: 'https://other.example.test/' }],
    ['a wrong audience', { audience: 'another-api' }],
  ])('refuses %s', async (_, options) => {
    const res = await t.http
      .get('/api/subscriptions/current')
      .set(bearer(sign(published[0], newUser(), options)))
      .expect(401);
    expect(res.body.error_code).toBe('UNAUTHENTICATED');
  });

  it('refuses an unknown key id and an HS256 token', async () => {
    const stranger = makeKey('key-unknown', 'RS256');
    await t.http
      .get('/api/subscriptions/current')
      .set(bearer(sign(stranger, newUser())))
      .expect(401);
    await t.http
      .get('/api/subscriptions/current')
      .set(bearer(signToken(newUser(), { issuer: ISSUER, audience: AUDIENCE })))
      .expect(401);
  });
});
