import { createSecretKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import jwksRsa from 'jwks-rsa';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { CONTROL_CHARACTERS } from '../errors/input-guards';
import type { Principal } from './principal';

type Claims = Record<string, unknown>;

export type TokenVerdict =
  | { ok: true; principal: Principal }
  /**
   * `invalid`: anything wrong with the token (signature, algorithm, issuer, audience, expiry,
   * missing `exp` or `sub`, too long-lived) — one 401 that says nothing about which.
   * `control-characters`: a verified token whose claims carry control characters — a 400.
   */
  | { ok: false; failure: 'invalid' | 'control-characters'; reason: string };

/** Verified tokens are remembered (until their `exp`, at most this long) up to this many. */
const CACHE_ENTRIES = 10_000;
const CACHE_MS = 5 * 60_000;

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Verifies bearer tokens: HS256 with JWT_SECRET, or RS256/ES256 with keys from JWT_JWKS_URL
 * (cached, refetched for an unknown `kid`, so a key rotation needs no restart). Algorithms are
 * pinned, which also rules out `alg: none`. `exp` is required, and no token may live longer
 * than JWT_MAX_TOKEN_AGE_SECONDS (from `iat`, or from now when the token has none), so a
 * leaked long-lived token is not accepted forever.
 *
 * Verification runs once per request, early (the rate limit is keyed on the account it
 * names), and a verified token is cached, so the hot paths pay one map lookup.
 */
@Injectable()
export class TokenVerifier {
  private readonly key: KeyObject | jwt.GetPublicKeyOrSecret;
  private readonly options: jwt.VerifyOptions & { complete: false };
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const { jwt: settings } = config;
    if (settings.jwksUrl !== undefined) {
      const keys = jwksRsa({
        jwksUri: settings.jwksUrl,
        cache: true,
        cacheMaxAge: 10 * 60 * 1000,
        rateLimit: true,
        jwksRequestsPerMinute: 10,
        timeout: 5_000,
      });
      this.key = (header, callback) => {
        keys.getSigningKey(header.kid).then(
          (key) => callback(null, key.getPublicKey()),
          (error: Error) => callback(error),
        );
      };
    } else {
      // A KeyObject made once: given a string, jsonwebtoken first tries (and fails) to parse it
      // as a public key on every request — measurable on the hot entitlement check.
      this.key = createSecretKey(Buffer.from(settings.secret ?? ''));
    }
    this.options = {
      algorithms: settings.jwksUrl !== undefined ? ['RS256', 'ES256'] : ['HS256'],
      ...(settings.issuer !== undefined ? { issuer: settings.issuer } : {}),
      ...(settings.audience !== undefined ? { audience: settings.audience } : {}),
      complete: false,
    };
  }

  async verify(token: string): Promise<TokenVerdict> {
    const now = Date.now();
    const cached = this.verified.get(token);
    if (cached !== undefined && cached.until > now)
      return { ok: true, principal: cached.principal };
    if (cached !== undefined) this.verified.delete(token);

    let claims: Claims;
    try {
      claims = await this.decode(token);
    } catch (error) {
      return { ok: false, failure: 'invalid', reason: (error as Error).message };
    }
    const verdict = this.principalOf(claims, now);
    if (verdict.ok) {
      if (this.verified.size >= CACHE_ENTRIES) {
        // The oldest entry goes first (a Map iterates in insertion order).
        const oldest = this.verified.keys().next();
        if (oldest.done !== true) this.verified.delete(oldest.value);
      }
      const exp = claims.exp as number;
      this.verified.set(token, {
        principal: verdict.principal,
        until: Math.min(exp * 1000, now + CACHE_MS),
      });
    }
    return verdict;
  }

  private decode(token: string): Promise<Claims> {
    return new Promise((resolve, reject) => {
      jwt.verify(token, this.key as jwt.Secret, this.options, (error, decoded) => {
        if (error !== null) reject(error);
        else if (typeof decoded !== 'object' || decoded === null) {
          reject(new Error('payload is not an object'));
        } else resolve(decoded);
      });
    });
  }

  private principalOf(claims: Claims, now: number): TokenVerdict {
    const { jwt: settings, admin } = this.config;
    if (typeof claims.exp !== 'number') {
      return { ok: false, failure: 'invalid', reason: 'the token has no exp' };
    }
    // Far-future `exp`, or an old `iat`: either way, longer-lived than a token may be.
    const nowSeconds = now / 1000;
    if (
      claims.exp - nowSeconds > settings.maxTokenAgeSeconds ||
      (typeof claims.iat === 'number' && nowSeconds - claims.iat > settings.maxTokenAgeSeconds)
    ) {
      return { ok: false, failure: 'invalid', reason: 'the token lives longer than allowed' };
    }
    const userId = optionalString(claims.sub);
    if (userId === undefined) return { ok: false, failure: 'invalid', reason: 'no sub claim' };
    const roles = claims[settings.rolesClaim];
    const roleList = Array.isArray(roles)
      ? roles.filter((r): r is string => typeof r === 'string')
      : [];
    const principal: Principal = {
      userId,
      email: optionalString(claims.email),
      orgId: optionalString(claims[settings.orgClaim]),
      orgRole: optionalString(claims[settings.roleClaim]),
      isAdmin: roleList.includes(admin.role),
    };
    const used = [
      principal.userId,
      principal.email,
      principal.orgId,
      principal.orgRole,
      ...roleList,
    ];
    if (used.some((value) => value !== undefined && CONTROL_CHARACTERS.test(value))) {
      return {
        ok: false,
        failure: 'control-characters',
        reason: 'a claim holds control characters',
      };
    }
    return { ok: true, principal };
  }
}
