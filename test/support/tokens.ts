import jwt from 'jsonwebtoken';

export const TEST_JWT_SECRET = 'test-jwt-secret-for-the-suite-only-0123456789';
export const TEST_ADMIN_KEY = 'test-admin-key-for-the-suite-0123456789';

export interface TokenClaims {
  sub?: string;
  email?: string;
  org_id?: string;
  org_role?: string;
  roles?: string[];
  [claim: string]: unknown;
}

/** An HS256 token signed with the suite's secret (or another), valid for an hour by default. */
export function signToken(
  claims: TokenClaims,
  options: jwt.SignOptions & { secret?: string } = {},
): string {
  const { secret = TEST_JWT_SECRET, ...signOptions } = options;
  return jwt.sign(claims, secret, { algorithm: 'HS256', expiresIn: '1h', ...signOptions });
}

export const bearer = (token: string): { Authorization: string } => ({
  Authorization: `Bearer ${token}`,
});

/** A user of their own, unique per call: tests never share accounts. */
export function newUser(prefix = 'user'): { sub: string; email: string } {
  const id = `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
  return { sub: id, email: `${id}@example.test` };
}
