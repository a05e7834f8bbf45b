import { Inject, Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { adminKeyMatches } from './admin-key';
import { TokenVerifier, type TokenVerdict } from './token-verifier';

export const ADMIN_KEY_HEADER = 'x-admin-key';
export const ENTITLEMENTS_KEY_HEADER = 'x-entitlements-key';

/**
 * What the request's credentials say, before any route is chosen: the rate limit is keyed on
 * it, and the guard decides with it. Computed once per request.
 */
export interface Authentication {
  /** A service key sent in X-Admin-Key or X-Entitlements-Key: which one matched, or `invalid`. */
  serviceKey?: 'admin' | 'entitlements' | 'invalid';
  /** The bearer token's verdict, when a bearer token was sent. */
  token?: TokenVerdict;
  /** An Authorization header that is not `Bearer <token>`. */
  malformedAuthorization?: true;
}

export interface AuthenticatedRequest {
  headers: IncomingHttpHeaders;
  authentication?: Promise<Authentication>;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

@Injectable()
export class RequestAuthenticator {
  constructor(
    private readonly tokens: TokenVerifier,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Memoised on the request: the rate limiter and the guard share one verification. */
  authenticate(request: AuthenticatedRequest): Promise<Authentication> {
    request.authentication ??= this.run(request.headers);
    return request.authentication;
  }

  private async run(headers: IncomingHttpHeaders): Promise<Authentication> {
    const result: Authentication = {};
    const adminKey = headers[ADMIN_KEY_HEADER];
    const entitlementsKey = headers[ENTITLEMENTS_KEY_HEADER];
    if (typeof adminKey === 'string') {
      result.serviceKey = adminKeyMatches(adminKey, this.config.admin.apiKey) ? 'admin' : 'invalid';
    } else if (typeof entitlementsKey === 'string') {
      result.serviceKey = adminKeyMatches(entitlementsKey, this.config.admin.entitlementsApiKey)
        ? 'entitlements'
        : 'invalid';
    }
    const authorization = headers.authorization;
    if (authorization !== undefined) {
      const token = BEARER.exec(authorization)?.[1];
      if (token === undefined) result.malformedAuthorization = true;
      else result.token = await this.tokens.verify(token);
    }
    return result;
  }
}
