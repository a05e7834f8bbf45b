import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { type Logger as PinoLogger } from 'pino';
import type { AppConfig } from '../config/app-config';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A caller's X-Request-Id when it is a sane token, else a fresh one; echoed on every response.
 * Assigned by the first middleware, so even a body the parser refuses has one.
 */
export function requestIdFor(req: IncomingMessage & { id?: unknown }, res: ServerResponse): string {
  if (typeof req.id === 'string') return req.id;
  const sent = req.headers['x-request-id'];
  const id = typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
  res.setHeader('X-Request-Id', id);
  req.id = id;
  return id;
}

/**
 * Paths that must never reach a log line: credentials in headers, and anything secret-shaped
 * in bodies or errors (Stripe keys, webhook secrets).
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-admin-key"]',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  '*.secret',
  '*.apiKey',
  '*.password',
];

/** A request as its log lines show it: no headers, no body. */
interface LoggedRequest {
  id?: unknown;
  method?: string;
  url?: string;
}

/** Requests whose completion is not logged: health probes and metrics scrapes would drown it. */
const UNLOGGED_REQUESTS = /^\/(api\/health|metrics)/;

const LEVEL_NAMES: ReadonlySet<string> = new Set([
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
]);
const ignoreLine = (): void => undefined;

/**
 * The process's one pino logger: every log line, in a request or not, goes through it (Nest's
 * logger is nestjs-pino's, rooted here), with the same redaction.
 */
export function createRootLogger(config: AppConfig): PinoLogger {
  return pino({
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: LoggedRequest) => ({ id: req.id, method: req.method, url: req.url }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
  });
}

/**
 * A request's logger, bound to the request (its id, method and URL), made only when something
 * is logged at an enabled level while the request runs — most requests log nothing, and a
 * child logger per request costs more than the route it serves.
 */
export function lazyRequestLogger(root: PinoLogger, req: LoggedRequest): PinoLogger {
  let child: PinoLogger | undefined;
  return new Proxy(root, {
    get(target, property) {
      if (typeof property === 'string' && LEVEL_NAMES.has(property)) {
        if (!target.isLevelEnabled(property)) return ignoreLine;
      }
      child ??= target.child({ req });
      const value: unknown = Reflect.get(child, property, child);
      return typeof value === 'function'
        ? (value as (...args: unknown[]) => unknown).bind(child)
        : value;
    },
  });
}

type NextFunction = (error?: unknown) => void;

/**
 * Per-request logging, paying only for what is written: `req.log` is a lazy request logger
 * (nestjs-pino binds it to the request's async context, so Nest's logger writes through it),
 * and one "request completed" line at level info — no hook at all when that level is off.
 * The same lines pino-http wrote, without building two child loggers per request.
 */
export function requestLogging(
  root: PinoLogger,
): (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void {
  const logCompletion = root.isLevelEnabled('info');
  return (req, res, next) => {
    const request = req as IncomingMessage & { id?: unknown; log?: PinoLogger };
    // Once per request: a hot read that goes on to its route has already started its log.
    if (request.log !== undefined) {
      next();
      return;
    }
    request.log = lazyRequestLogger(root, request);
    if (logCompletion && !UNLOGGED_REQUESTS.test(req.url ?? '')) {
      const startedAt = Date.now();
      const completed = (): void => {
        res.removeListener('finish', completed);
        res.removeListener('close', completed);
        const responseTime = Date.now() - startedAt;
        if (res.statusCode >= 500) {
          const err = new Error(`failed with status code ${res.statusCode}`);
          root.info({ req, res, err, responseTime }, 'request errored');
        } else {
          root.info(
            { req, res, responseTime },
            res.writableEnded ? 'request completed' : 'request aborted',
          );
        }
      };
      res.on('finish', completed);
      res.on('close', completed);
    }
    next();
  };
}

/** The root logger (a `pino` Logger), for `configureHttp`'s request logging. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

@Module({})
export class LoggingModule {
  /**
   * nestjs-pino's logger for Nest, rooted in one pino logger built from the configuration; it
   * binds `req.log` (set by `requestLogging`, mounted in `configureHttp`) to each request's
   * async context.
   */
  static forRoot(config: AppConfig): DynamicModule {
    const root = createRootLogger(config);
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot({ pinoHttp: { logger: root }, useExisting: true })],
      providers: [{ provide: ROOT_LOGGER, useValue: root }],
      exports: [ROOT_LOGGER],
    };
  }
}
