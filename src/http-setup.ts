import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { json } from 'express';
import cors from 'cors';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AccountsService } from './accounts/accounts.service';
import { accountKeyOf } from './auth/principal';
import { catalogHotRead } from './catalog/catalog.hot-read';
import { CatalogService } from './catalog/catalog.service';
import { entitlementHotRead } from './entitlements/entitlements.hot-read';
import { EntitlementsService } from './entitlements/entitlements.service';
import { HotReads } from './hot-reads';
import { currentPlanHotRead } from './subscriptions/subscriptions.hot-read';
import { SubscriptionsService } from './subscriptions/subscriptions.service';
import { RequestAuthenticator } from './auth/request-authenticator';
import type { ServiceLifecycle } from './common/service-lifecycle';
import type { AppConfig } from './config/app-config';
import { ApiError } from './errors/api-error';
import { ERROR_CATALOG } from './errors/error-codes';
import { envelopeOf, type ErrorEnvelope, sendApiError } from './errors/error-envelope';
import { jsonBodyProblem, requestTargetProblem } from './errors/input-guards';
import { createValidationPipe } from './errors/validation';
import { requestIdFor, requestLogging, ROOT_LOGGER } from './logging/logging.module';
import type { Logger as PinoLogger } from 'pino';
import { FixedWindowStore, type RateLimitStore } from './throttling/rate-limit.store';
import { RedisWindowStore } from './throttling/redis-window.store';
import { RateLimiter } from './throttling/rate-limiter';
import { buildOpenApiDocument } from './openapi/openapi-document';
import { installWebhookIngress } from './webhooks/webhook-ingress';
import { WEBHOOK_PATH } from './webhooks/webhooks.controller';
import { WebhooksService } from './webhooks/webhooks.service';

export const API_PREFIX = 'api';

type Middleware = (req: Request, res: Response, next: NextFunction) => void;
type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void;

/** The `/api` prefix; `/metrics` stays at the root, where Prometheus looks for it. */
export function setRoutePrefix(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, { exclude: ['metrics'] });
}

/** How long a drain waits, once no request is in flight, for a request still on its way in. */
const DRAIN_QUIET_MS = 250;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Requests in flight, for a shutdown that lets them finish: once shutdown starts the listener
 * closes (new connections are refused, so a client retries elsewhere), every response closes
 * its connection, and the connections left idle are closed once no request is in flight.
 */
export class InFlightRequests {
  private readonly open = new Set<ServerResponse>();

  constructor(private readonly lifecycle: ServiceLifecycle) {}

  get size(): number {
    return this.open.size;
  }

  /** Counts one request until its response is sent or its connection closes. */
  track(res: ServerResponse): void {
    this.open.add(res);
    const finished = (): void => {
      this.open.delete(res);
    };
    res.once('finish', finished);
    res.once('close', finished);
    if (this.lifecycle.shuttingDown) res.setHeader('Connection', 'close');
  }

  /**
   * Stops accepting connections and waits for the requests in flight, at most `timeoutMs`;
   * then cuts whatever is left. Returns how many requests had to be cut.
   *
   * Node's `server.close()` would also close every idle connection at once — and a connection
   * accepted a moment ago whose request has not been read yet counts as idle: its client would
   * see a reset for a request that had reached this instance. So the listener is closed alone
   * first, and idle connections only once nothing has been in flight for a short quiet time.
   */
  async drain(server: Server, timeoutMs: number): Promise<number> {
    // Responses still to be written close their connection too: one written with keep-alive
    // would invite the client's next request onto a connection about to close.
    for (const res of this.open) if (!res.headersSent) res.setHeader('Connection', 'close');
    if (!server.listening) return 0;
    const deadline = Date.now() + timeoutMs;
    const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
    NetServer.prototype.close.call(server);
    while (Date.now() < deadline) {
      if (this.open.size > 0) {
        await pause(Math.min(20, deadline - Date.now()));
        continue;
      }
      await pause(Math.max(0, Math.min(DRAIN_QUIET_MS, deadline - Date.now())));
      if (this.open.size === 0) break;
    }
    // http.Server's own close: stops its timeout checks and closes the idle connections (the
    // listener is already closed; its "not running" answer is expected).
    server.close(() => undefined);
    // The deadline's timer is cleared once the server has closed: left running, it would keep a
    // process that embeds the service alive until the deadline.
    let deadlineTimer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      closed.then(() => false),
      new Promise<boolean>((resolve) => {
        deadlineTimer = setTimeout(() => resolve(true), Math.max(0, deadline - Date.now()));
      }),
    ]);
    clearTimeout(deadlineTimer);
    if (!timedOut) return 0;
    const cut = this.open.size;
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

/** Paths whose answer to "which methods are served here" is remembered (then forgotten at once). */
const ALLOWED_METHODS_CACHE = 1_000;

/**
 * A known path asked with a method it does not serve: 405 with `Allow`, not 404. The routes
 * are read from Express's router once it holds them (after Nest's init). Which methods a path
 * serves is remembered per path (a bounded map), so a request to a hot route does not test
 * every route's pattern again.
 */
function methodNotAllowed(app: NestExpressApplication): Middleware {
  let routes: RouteLayer[] | undefined;
  const known = new Map<string, ReadonlySet<string>>();
  const allowedAt = (path: string): ReadonlySet<string> => {
    const cached = known.get(path);
    if (cached !== undefined) return cached;
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
      if (layer.match(path) === false) continue;
      for (const [method, on] of Object.entries(layer.route?.methods ?? {})) {
        if (on === true) allowed.add(method.toUpperCase());
      }
    }
    if (known.size >= ALLOWED_METHODS_CACHE) known.clear();
    known.set(path, allowed);
    return allowed;
  };
  return (req, res, next) => {
    const allowed = allowedAt(req.path);
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (allowed.size === 0 || allowed.has(method) || allowed.has('_ALL') || method === 'OPTIONS') {
      next();
      return;
    }
    const allow = new Set(allowed);
    if (allow.has('GET')) allow.add('HEAD');
    res.setHeader('Allow', [...allow].sort().join(', '));
    next(new ApiError('METHOD_NOT_ALLOWED'));
  };
}

/**
 * Helmet's security headers, computed once: with static directives they do not depend on the
 * request, so each response gets the same list set in one loop instead of a chain of a dozen
 * middlewares.
 */
function securityHeaders(options: Parameters<typeof helmet>[0]): NodeMiddleware {
  const headers: [string, string][] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]): void {
      headers.push([name, Array.isArray(value) ? value.join(', ') : String(value)]);
    },
    removeHeader(name: string): void {
      removed.push(name);
    },
    getHeader(): undefined {
      return undefined;
    },
  };
  let completed = false;
  helmet(options)(
    { headers: {}, method: 'GET', url: '/' } as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error?: unknown) => {
      if (error !== undefined) throw error as Error;
      completed = true;
    },
  );
  if (!completed) throw new Error('helmet did not complete synchronously');
  return (_req, res, next) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/** Seconds a refused client should wait, or undefined when the request is within its budget. */
type RateLimitGate = (req: IncomingMessage) => Promise<number | undefined>;

/**
 * One budget per client across the API, counted before routing so that unknown routes and
 * refused tokens count too: the account when a valid token is sent (so clients behind one
 * proxy do not share a budget), a service key's own larger budget, otherwise the client IP.
 */
function rateLimit(
  app: NestExpressApplication,
  config: AppConfig,
  store: RateLimitStore,
): RateLimitGate {
  const windowMs = config.throttle.ttlSeconds * 1000;
  const clients = new RateLimiter(store, 'api', config.throttle.limit, windowMs);
  const services = new RateLimiter(store, 'service', config.throttle.serviceLimit, windowMs);
  const authenticator = app.get(RequestAuthenticator);
  const decide = async (req: Request): Promise<number | undefined> => {
    let limiter = clients;
    let key = `ip:${req.ip ?? 'unknown'}`;
    const { serviceKey, token } = await authenticator.authenticate(req);
    if (serviceKey === 'admin' || serviceKey === 'entitlements') {
      limiter = services;
      key = `key:${serviceKey}`;
    } else if (token?.ok === true) {
      const account = accountKeyOf(token.principal);
      key = `account:${account.kind}:${account.externalId}`;
    }
    const decision = await limiter.check(key);
    return decision.allowed ? undefined : decision.retryAfterSeconds;
  };
  // Decided once per request: a hot read that leaves the request to its route has counted it.
  return (req) => {
    const limited = req as IncomingMessage & { rateLimit?: Promise<number | undefined> };
    limited.rateLimit ??= decide(limited as Request);
    return limited.rateLimit;
  };
}

/** The rate limit as a middleware: 429 with Retry-After once the client's budget is spent. */
function refuseOverLimit(gate: RateLimitGate): Middleware {
  return (req, res, next) => {
    gate(req).then((retryAfterSeconds) => {
      if (retryAfterSeconds === undefined) {
        next();
        return;
      }
      res.setHeader('Retry-After', String(retryAfterSeconds));
      next(new ApiError('TOO_MANY_REQUESTS'));
    }, next);
  };
}

/**
 * The client's address as Express computes it with `trust proxy` set to a number of hops: the
 * socket's peer, or the entry that many hops back in X-Forwarded-For.
 */
export function clientAddress(req: IncomingMessage, trustedProxies: number): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (trustedProxies === 0) return peer;
  const forwarded = req.headers['x-forwarded-for'];
  const chain = [
    peer,
    ...(typeof forwarded === 'string'
      ? forwarded
          .split(',')
          .map((a) => a.trim())
          .reverse()
      : []),
  ];
  return chain[Math.min(trustedProxies, chain.length - 1)];
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The server's own front door, in front of every other request listener (Express with Nest,
 * and the webhook route that sits before Express): each request gets its id and is counted for
 * the shutdown drain, a webhook delivery is counted against the webhook budget of its sender
 * before a byte of its body is read, and a hot read is answered here when it can be (see
 * `HotReads`).
 */
function installFrontDoor(
  server: Server,
  config: AppConfig,
  inFlight: InFlightRequests,
  store: RateLimitStore,
  hotReads: HotReads,
): void {
  const windowMs = config.throttle.ttlSeconds * 1000;
  const webhooks = new RateLimiter(store, 'webhooks', config.throttle.webhookLimit, windowMs);
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  const pass: RequestListener = (req, res) => {
    for (const listener of listeners) listener.call(server, req, res);
  };
  server.on('request', (req: IncomingMessage & { id?: unknown }, res: ServerResponse) => {
    requestIdFor(req, res);
    inFlight.track(res);
    const url = req.url ?? '';
    if (req.method !== 'POST' || (url !== WEBHOOK_PATH && !url.startsWith(`${WEBHOOK_PATH}?`))) {
      const hot = hotReads.find(req);
      if (hot === undefined) pass(req, res);
      else
        void hotReads.serve(req, res, hot).then((answered) => {
          if (!answered) pass(req, res);
        });
      return;
    }
    void webhooks.check(`ip:${clientAddress(req, config.trustProxy)}`).then((decision) => {
      if (decision.allowed) {
        pass(req, res);
        return;
      }
      const error = new ApiError('TOO_MANY_REQUESTS');
      const body = JSON.stringify(envelopeOf(error, req.id));
      res.writeHead(error.status, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        'Retry-After': String(decision.retryAfterSeconds),
        // The body is not read: the connection cannot be reused.
        Connection: 'close',
      });
      res.end(body);
    });
  });
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

/** Counts in Redis when REDIS_URL is set (shared by every instance), else in this process. */
function rateLimitStore(config: AppConfig): RateLimitStore {
  const url = config.fleet.redisUrl;
  return url === undefined ? new FixedWindowStore() : new RedisWindowStore(url);
}

/**
 * Everything about the HTTP surface that is not a route, in the order a request meets it:
 * request id, in-flight tracking and the webhook budget (the server's front door), the webhook
 * route, then in Express: target checks, security headers, CORS, rate limit, method and media
 * type checks, body parsing (with depth and control-character checks), validation.
 */
export function configureHttp(
  app: NestExpressApplication,
  config: AppConfig,
  lifecycle: ServiceLifecycle,
): InFlightRequests {
  const inFlight = new InFlightRequests(lifecycle);
  const counts = rateLimitStore(config);
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    requestIdFor(req, res);
    next();
  });
  const logging = requestLogging(app.get<symbol, PinoLogger>(ROOT_LOGGER));
  app.use(logging);
  const security = securityHeaders({
    // Swagger UI needs inline scripts and styles on /docs.
    contentSecurityPolicy: {
      directives: {
        'script-src': ["'self'", "'unsafe-inline'"],
        'style-src': ["'self'", "'unsafe-inline'", 'https:'],
      },
    },
  });
  const crossOrigin = cors({
    // `*`: any origin, without credentials (browsers refuse `*` with credentials). The API
    // authenticates with the Authorization header, never with cookies, so nothing is lost.
    origin: config.corsOrigins === '*' ? '*' : config.corsOrigins,
    credentials: config.corsOrigins !== '*',
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'Idempotent-Replayed'],
    maxAge: 600,
  });
  const limit = rateLimit(app, config, counts);
  const express = app.getHttpAdapter().getInstance();
  const etag = express.get('etag fn') as
    ((body: string, encoding: BufferEncoding) => string | undefined) | undefined;
  const hotReads = new HotReads(
    API_PREFIX,
    [
      catalogHotRead(app.get(CatalogService)),
      entitlementHotRead(app.get(EntitlementsService)),
      currentPlanHotRead(app.get(SubscriptionsService)),
    ],
    app.get(RequestAuthenticator),
    app.get(AccountsService),
    {
      refusal: limit,
      logging,
      // The order Express runs them in.
      decorations: [security, crossOrigin],
      etag: (body) => etag?.(body, 'utf8'),
    },
  );
  const server = app.getHttpServer();
  if (counts instanceof RedisWindowStore) server.once('close', () => void counts.close());
  // Stripe's deliveries are served in front of Express and the API's pipeline (helmet, CORS,
  // parsers, guards, per-request logs): they need none of it; the signature is checked on the
  // raw bytes, and errors still have the envelope.
  installWebhookIngress(server, WEBHOOK_PATH, app.get(WebhooksService));
  installFrontDoor(server, config, inFlight, counts, hotReads);
  app.useLogger(app.get(Logger));
  setRoutePrefix(app);
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.use(refuseBadTargets);
  app.use(security);
  app.use(crossOrigin);
  app.use(refuseOverLimit(limit));
  app.use(methodNotAllowed(app));
  app.use(refuseNonJsonBodies);
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
  answerClientErrors(server);
  // No app.enableShutdownHooks(): Nest's hooks would close the pool and the sockets before
  // requests in flight finish, then re-raise the signal. main.ts owns the one shutdown path.
  return inFlight;
}
