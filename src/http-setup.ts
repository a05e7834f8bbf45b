import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { json, raw } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { accountKeyOf } from './auth/principal';
import {
  ADMIN_KEY_HEADER,
  ENTITLEMENTS_KEY_HEADER,
  RequestAuthenticator,
} from './auth/request-authenticator';
import type { ServiceLifecycle } from './common/service-lifecycle';
import type { AppConfig } from './config/app-config';
import { ApiError } from './errors/api-error';
import { ERROR_CATALOG } from './errors/error-codes';
import { ErrorEnvelope, sendApiError } from './errors/error-envelope';
import { jsonBodyProblem, requestTargetProblem } from './errors/input-guards';
import { createValidationPipe } from './errors/validation';
import { requestIdFor } from './logging/logging.module';
import { FixedWindowStore, type RateLimitStore } from './throttling/rate-limit.store';
import { RateLimiter } from './throttling/rate-limiter';
import { WEBHOOK_PATH } from './webhooks/webhooks.controller';

export const API_PREFIX = 'api';

/** Comfortably above the largest event Stripe sends. */
const WEBHOOK_BODY_LIMIT = '2mb';

type Middleware = (req: Request, res: Response, next: NextFunction) => void;

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const errorTable = Object.entries(ERROR_CATALOG)
    .map(([code, { status, message }]) => `| \`${code}\` | ${status} | ${message} |`)
    .join('\n');
  const config = new DocumentBuilder()
    .setTitle('Billing service')
    .setDescription(
      'Stripe subscription billing for SaaS products: catalog, checkout, portal, subscriptions, ' +
        'billing history, entitlements, webhooks and ops.\n\n' +
        'Every error has the envelope `ErrorEnvelope`; `error_code` is one of:\n\n' +
        '| error_code | status | message |\n|---|---|---|\n' +
        errorTable,
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addApiKey({ type: 'apiKey', in: 'header', name: ADMIN_KEY_HEADER }, 'admin-key')
    .addApiKey({ type: 'apiKey', in: 'header', name: ENTITLEMENTS_KEY_HEADER }, 'entitlements-key')
    .build();
  return SwaggerModule.createDocument(app, config, { extraModels: [ErrorEnvelope] });
}

/**
 * Requests in flight, for a shutdown that lets them finish: once shutdown starts, every
 * response closes its connection, and idle keep-alive connections are closed as they turn idle,
 * so the server's `close()` completes as soon as the last request does.
 */
export class InFlightRequests {
  private count = 0;
  private server?: Server;

  constructor(private readonly lifecycle: ServiceLifecycle) {}

  get size(): number {
    return this.count;
  }

  readonly middleware: Middleware = (req, res, next) => {
    this.count += 1;
    let done = false;
    const finished = (): void => {
      if (done) return;
      done = true;
      this.count -= 1;
      // The response is out: its keep-alive connection is now idle and may close.
      if (this.lifecycle.shuttingDown) setImmediate(() => this.server?.closeIdleConnections());
    };
    res.once('finish', finished);
    res.once('close', finished);
    if (this.lifecycle.shuttingDown) res.setHeader('Connection', 'close');
    next();
  };

  /**
   * Stops accepting connections and waits for the requests in flight, at most `timeoutMs`;
   * then cuts whatever is left. Returns how many requests had to be cut.
   */
  async drain(server: Server, timeoutMs: number): Promise<number> {
    this.server = server;
    if (!server.listening) return 0;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([closed, timedOut]);
    clearTimeout(timer);
    if (outcome !== 'timeout') return 0;
    const cut = this.count;
    server.closeAllConnections();
    await closed;
    return cut;
  }
}

/** A JSON body: `application/json` or a `+json` type, whatever its parameters. */
function isJsonType(contentType: string | undefined): boolean {
  const type = contentType?.split(';', 1)[0].trim().toLowerCase();
  return (
    type === 'application/json' ||
    (type?.startsWith('application/') === true && type.endsWith('+json'))
  );
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Malformed or control characters in the path or the query: 400 before any route runs. */
const refuseBadTargets: Middleware = (req, _res, next) => {
  const problem = requestTargetProblem(req.originalUrl);
  next(problem === undefined ? undefined : new ApiError('VALIDATION_FAILED', undefined, [problem]));
};

/** A body that is not JSON on an API route: 415, instead of being silently ignored. */
const refuseNonJsonBodies: Middleware = (req, _res, next) => {
  const bodyless = req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS';
  if (
    bodyless ||
    req.path === WEBHOOK_PATH ||
    !hasBody(req) ||
    isJsonType(req.headers['content-type'])
  ) {
    next();
    return;
  }
  next(new ApiError('UNSUPPORTED_MEDIA_TYPE'));
};

/** Express's router lists this many methods or more for a layer that takes any method. */
const EVERY_METHOD = 20;

interface RouteLayer {
  route?: { methods: Record<string, boolean | undefined> };
  match(path: string): unknown;
}

/**
 * A known path asked with a method it does not serve: 405 with `Allow`, not 404. The routes
 * are read from Express's router once it holds them (after Nest's init).
 */
function methodNotAllowed(app: NestExpressApplication): Middleware {
  let routes: RouteLayer[] | undefined;
  return (req, res, next) => {
    // A route layer answering every method is a middleware mount (Nest's MiddlewareConsumer),
    // not an endpoint.
    routes ??= (
      app.getHttpAdapter().getInstance() as unknown as { router: { stack: RouteLayer[] } }
    ).router.stack.filter(
      (layer) =>
        layer.route !== undefined && Object.keys(layer.route.methods).length < EVERY_METHOD,
    );
    const allowed = new Set<string>();
    for (const layer of routes) {
      if (layer.match(req.path) === false) continue;
      for (const [method, on] of Object.entries(layer.route?.methods ?? {})) {
        if (on === true) allowed.add(method.toUpperCase());
      }
    }
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (allowed.size === 0 || allowed.has(method) || allowed.has('_ALL') || method === 'OPTIONS') {
      next();
      return;
    }
    if (allowed.has('GET')) allowed.add('HEAD');
    res.setHeader('Allow', [...allowed].sort().join(', '));
    next(new ApiError('METHOD_NOT_ALLOWED'));
  };
}

/**
 * One budget per client across the API, counted before routing so that unknown routes and
 * refused tokens count too: the account when a valid token is sent (so clients behind one
 * proxy do not share a budget), a service key's own larger budget, otherwise the client IP.
 * Webhooks have their own, generous budget per sending IP, checked before the body is read.
 */
function rateLimit(
  app: NestExpressApplication,
  config: AppConfig,
  store: RateLimitStore,
): Middleware {
  const windowMs = config.throttle.ttlSeconds * 1000;
  const clients = new RateLimiter(store, 'api', config.throttle.limit, windowMs);
  const services = new RateLimiter(store, 'service', config.throttle.serviceLimit, windowMs);
  const webhooks = new RateLimiter(store, 'webhooks', config.throttle.webhookLimit, windowMs);
  const authenticator = app.get(RequestAuthenticator);
  const decide = async (req: Request): Promise<ApiError | undefined> => {
    let limiter = clients;
    let key = `ip:${req.ip ?? 'unknown'}`;
    if (req.path === WEBHOOK_PATH) limiter = webhooks;
    else {
      const authentication = await authenticator.authenticate(req);
      const { serviceKey, token } = authentication;
      if (serviceKey === 'admin' || serviceKey === 'entitlements') {
        limiter = services;
        key = `key:${serviceKey}`;
      } else if (token?.ok === true) {
        const account = accountKeyOf(token.principal);
        key = `account:${account.kind}:${account.externalId}`;
      }
    }
    const decision = await limiter.check(key);
    if (decision.allowed) return undefined;
    req.res?.setHeader('Retry-After', String(decision.retryAfterSeconds));
    return new ApiError('TOO_MANY_REQUESTS');
  };
  return (req, _res, next) => {
    decide(req).then(next, next);
  };
}

/**
 * Unknown routes outside the API prefix (Nest answers those under it): the envelope, not
 * Express's HTML page. Registered after Nest's routes (see `finishHttp`).
 */
const routeNotFound = (req: Request, res: Response): void => {
  sendApiError(req, res, new ApiError('ROUTE_NOT_FOUND'));
};

/** What must come after every route: called once Nest has registered its own. */
export function finishHttp(app: NestExpressApplication): void {
  app.use(routeNotFound);
}

/**
 * A request Node's HTTP parser refuses (a control character in a header, a malformed request
 * line) never reaches Express: it still gets the envelope.
 */
function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (
      !socket.writable ||
      error.code === 'ECONNRESET' ||
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    ) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify({
      success: false,
      statusCode: 400,
      error_code: 'BAD_REQUEST',
      message: ERROR_CATALOG.BAD_REQUEST.message,
      details: [],
      requestId: randomUUID(),
    } satisfies ErrorEnvelope);
    socket.end(
      'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

/**
 * Everything about the HTTP surface that is not a route, in the order a request meets it:
 * request id, in-flight tracking, target checks, security headers, CORS, rate limit, method and
 * media type checks, body parsing (with depth and control-character checks), validation.
 */
export function configureHttp(
  app: NestExpressApplication,
  config: AppConfig,
  lifecycle: ServiceLifecycle,
): InFlightRequests {
  const inFlight = new InFlightRequests(lifecycle);
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    requestIdFor(req, res);
    next();
  });
  app.use(inFlight.middleware);
  app.useLogger(app.get(Logger));
  app.setGlobalPrefix(API_PREFIX, { exclude: ['metrics'] });
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.use(refuseBadTargets);
  app.use(
    helmet({
      // Swagger UI needs inline scripts and styles on /docs.
      contentSecurityPolicy: {
        directives: {
          'script-src': ["'self'", "'unsafe-inline'"],
          'style-src': ["'self'", "'unsafe-inline'", 'https:'],
        },
      },
    }),
  );
  app.enableCors({
    // `*`: any origin, without credentials (browsers refuse `*` with credentials). The API
    // authenticates with the Authorization header, never with cookies, so nothing is lost.
    origin: config.corsOrigins === '*' ? '*' : config.corsOrigins,
    credentials: config.corsOrigins !== '*',
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'Idempotent-Replayed'],
    maxAge: 600,
  });
  app.use(rateLimit(app, config, new FixedWindowStore()));
  app.use(methodNotAllowed(app));
  app.use(refuseNonJsonBodies);
  // Webhooks are verified on the exact bytes Stripe signed, and may be larger than API bodies.
  app.use(WEBHOOK_PATH, raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT }));
  app.use(
    json({
      limit: config.bodyLimitBytes,
      type: (req) => isJsonType(req.headers['content-type']),
      // Before parsing: nesting depth and control characters, in one iterative pass.
      verify: (_req, _res, bytes) => {
        const problem = jsonBodyProblem(bytes);
        if (problem !== undefined) throw new ApiError('VALIDATION_FAILED', undefined, [problem]);
      },
    }),
  );
  app.useGlobalPipes(createValidationPipe());
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    useGlobalPrefix: false,
  });
  answerClientErrors(app.getHttpServer());
  // No app.enableShutdownHooks(): Nest's hooks would close the pool and the sockets before
  // requests in flight finish, then re-raise the signal. main.ts owns the one shutdown path.
  return inFlight;
}
