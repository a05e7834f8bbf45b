import { createSecretKey } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { passportJwtSecret } from 'jwks-rsa';
import { ExtractJwt, Strategy, type StrategyOptionsWithoutRequest } from 'passport-jwt';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { Principal } from './principal';

type Claims = Record<string, unknown>;

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Verifies bearer tokens: HS256 with JWT_SECRET, or RS256/ES256 with keys from JWT_JWKS_URL
 * (cached, refetched for an unknown `kid`, so a key rotation needs no restart). Algorithms are
 * pinned, which also rules out `alg: none`.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly claims: AppConfig['jwt'];
  private readonly adminRole: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { jwt } = config;
    const options: StrategyOptionsWithoutRequest = jwt.jwksUrl
      ? {
          jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
          secretOrKeyProvider: passportJwtSecret({
            jwksUri: jwt.jwksUrl,
            cache: true,
            cacheMaxAge: 10 * 60 * 1000,
            rateLimit: true,
            jwksRequestsPerMinute: 10,
          }),
          algorithms: ['RS256', 'ES256'],
          issuer: jwt.issuer,
          audience: jwt.audience,
        }
      : {
          jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
          // A KeyObject made once: given a string, jsonwebtoken first tries (and fails) to parse it
          // as a public key on every request — measurable on the hot entitlement check.
          secretOrKey: createSecretKey(Buffer.from(jwt.secret ?? '')) as unknown as string,
          algorithms: ['HS256'],
          issuer: jwt.issuer,
          audience: jwt.audience,
        };
    super(options);
    this.claims = jwt;
    this.adminRole = config.admin.role;
  }

  /** Maps verified claims to a principal; a token without `sub` is refused. */
  validate(payload: Claims): Principal | false {
    const userId = optionalString(payload.sub);
    if (userId === undefined) return false;
    const roles = payload[this.claims.rolesClaim];
    const roleList = Array.isArray(roles)
      ? roles.filter((r): r is string => typeof r === 'string')
      : [];
    return {
      userId,
      email: optionalString(payload.email),
      orgId: optionalString(payload[this.claims.orgClaim]),
      orgRole: optionalString(payload[this.claims.roleClaim]),
      isAdmin: roleList.includes(this.adminRole),
    };
  }
}
