import jwt from 'jsonwebtoken';
import type { AppConfig } from '../config/app-config';

export interface SandboxIdentity {
  userId: string;
  email?: string;
  orgId?: string;
  role?: string;
  admin?: boolean;
}

export interface SignedToken {
  token: string;
  expiresAt: Date;
}

/**
 * A development token signed with the sandbox's HS256 secret, with the claim names the service
 * reads (JWT_ORG_CLAIM, JWT_ROLE_CLAIM, JWT_ROLES_CLAIM), as an identity provider would issue.
 * Shared by `npm run token` and the sandbox sign-in route; neither exists in stripe mode.
 */
export function signSandboxToken(
  config: AppConfig,
  secret: string,
  identity: SandboxIdentity,
  expiresInSeconds: number,
): SignedToken {
  const claims: Record<string, unknown> = { sub: identity.userId };
  if (identity.email !== undefined) claims.email = identity.email;
  if (identity.orgId !== undefined) claims[config.jwt.orgClaim] = identity.orgId;
  if (identity.role !== undefined) claims[config.jwt.roleClaim] = identity.role;
  if (identity.admin === true) claims[config.jwt.rolesClaim] = [config.admin.role];
  const now = Math.floor(Date.now() / 1000);
  const token = jwt.sign({ ...claims, iat: now }, secret, {
    algorithm: 'HS256',
    expiresIn: expiresInSeconds,
    ...(config.jwt.issuer !== undefined ? { issuer: config.jwt.issuer } : {}),
    ...(config.jwt.audience !== undefined ? { audience: config.jwt.audience } : {}),
  });
  return { token, expiresAt: new Date((now + expiresInSeconds) * 1000) };
}
