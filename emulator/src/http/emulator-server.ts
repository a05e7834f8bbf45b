import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiHandler, ApiRouter } from '../api/api-call';
import type { RequestOrigin } from '../events/event-log';
import type { Expander } from '../api/expansion';
import type { StripeDomain } from '../billing/stripe-domain';
import { newId } from '../store/ids';
import type { StateStore } from '../store/state-store';
import { parseFormBody, type ParamObject } from './form-body';
import { IdempotencyStore } from './idempotency-store';
import { ObjectLocks } from './object-locks';
import { RateLimiter } from './rate-limiter';
import {
  REALISM_OFF,
  planFault,
  sampleLatency,
  type PlannedFault,
  type RealismOptions,
} from './realism';
import { RequestCounters } from './request-counters';
import { RequestParams } from './request-params';
import { Router, type RouteMatch } from './router';
import {
  StripeApiError,
  idempotencyKeyInUse,
  idempotencyMismatch,
  lockTimeout,
  rateLimited,
  routeNotFound,
  serverError,
  unauthenticated,
} from './stripe-error';

export interface ControlRequest {
  body: Record<string, unknown>;
  pathParams: Record<string, string>;
  query: URLSearchParams;
}
export type ControlHandler = (request: ControlRequest) => unknown;

export interface PageRequest {
  method: string;
  pathParams: Record<string, string>;
  form: ParamObject;
  query: URLSearchParams;
}
export interface PageResponse {
  status: number;
  html?: string;
  redirect?: string;
  contentType?: string;
  body?: string | Buffer;
}
export type PageHandler = (request: PageRequest) => PageResponse;

const MAX_BODY_BYTES = 1024 * 1024;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new StripeApiError(413, {
            type: 'invalid_request_error',
            message: 'Request body too large.',
          }),
        );
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** A pause that does not keep the process alive on its own (the listening server does). */
const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * The objects a write locks: the ones named in its path (`POST /v1/customers/cus_…`,
 * `/v1/subscriptions/sub_…/…`, `/v1/invoices/in_…/pay`). A create locks nothing: Stripe's
 * `lock_timeout` is about concurrent changes to one existing object.
 */
function lockedObjects(pathParams: Record<string, string>): string[] {
  return Object.values(pathParams);
}

const keepsEffects = (error: unknown): boolean =>
  error instanceof StripeApiError && error.keepsEffects;

function maskKey(key: string): string {
  return `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;
}

/**
 * The HTTP front: `/v1/*` speaks Stripe's wire protocol (auth, form bodies, idempotency,
 * expansion, error JSON), `/_emulator/*` is the JSON control API, everything else is a page.
 *
 * Every request that can change state runs as one atomic step of the store (a unit of work):
 * what it changed is undone when it fails, and made durable before its response is sent.
 */
export class EmulatorServer {
  readonly api: ApiRouter = new Router<ApiHandler>();
  readonly control = new Router<ControlHandler>();
  readonly pages = new Router<PageHandler>();
  private readonly idempotency: IdempotencyStore;
  private readonly server: Server;
  private closing = false;
  /** The realism switches in force (see realism.ts); replaced as a whole when changed. */
  realism: RealismOptions = REALISM_OFF;
  readonly counters = new RequestCounters();
  readonly limiter = new RateLimiter();
  private readonly locks = new ObjectLocks();
  /** `Idempotency-Key`s whose first request is still running. */
  private readonly keysInFlight = new Set<string>();

  constructor(
    private readonly domain: StripeDomain,
    private readonly store: StateStore,
    private readonly expander: Expander,
    private readonly options: { apiKey?: string; log: (line: string) => void },
  ) {
    this.idempotency = new IdempotencyStore(store.state.idempotencyRecords);
    this.server = createServer((request, response) => {
      void this.handle(request, response);
    });
    this.server.keepAliveTimeout = 65_000;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /**
   * Stops accepting connections and lets requests in flight finish (their responses are durable
   * anyway), cutting whatever is still open after `graceMs`.
   */
  close(graceMs = 2_000): Promise<void> {
    this.closing = true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
      timer.unref();
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      this.server.closeIdleConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = newId('req', 14);
    response.setHeader('request-id', requestId);
    const url = new URL(request.url ?? '/', 'http://emulator');
    const method = request.method ?? 'GET';
    try {
      const body = await readBody(request);
      if (url.pathname.startsWith('/v1/'))
        await this.handleApi(request, response, method, url, body, requestId);
      else if (url.pathname.startsWith('/_emulator/'))
        await this.handleControl(response, method, url, body);
      else this.handlePage(response, method, url, body);
    } catch (caught) {
      this.sendError(response, caught);
    }
  }

  private sendJson(
    response: ServerResponse,
    status: number,
    payload: unknown,
    extraHeaders: Record<string, string> = {},
  ): void {
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...extraHeaders,
      // Shutting down: the client should not reuse this connection.
      ...(this.closing ? { connection: 'close' } : {}),
    });
    response.end(text);
  }

  private sendError(response: ServerResponse, caught: unknown): void {
    if (response.headersSent) {
      response.end();
      return;
    }
    if (caught instanceof StripeApiError) {
      this.sendJson(response, caught.statusCode, caught.toJSON());
      return;
    }
    this.options.log(
      `emulator internal error: ${caught instanceof Error ? (caught.stack ?? caught.message) : String(caught)}`,
    );
    this.sendJson(response, 500, {
      error: { type: 'api_error', message: 'An unknown error occurred in the Stripe emulator.' },
    });
  }

  private authenticate(request: IncomingMessage): string {
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      throw unauthenticated(
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
      );
    }
    let key = '';
    if (header.startsWith('Bearer ')) key = header.slice(7).trim();
    else if (header.startsWith('Basic '))
      key = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':')[0];
    const accepted =
      this.options.apiKey !== undefined
        ? key === this.options.apiKey
        : /^(sk|rk)_test_\w+$/.test(key);
    if (!accepted) throw unauthenticated(`Invalid API Key provided: ${maskKey(key)}`);
    return key;
  }

  /**
   * One API request, as Stripe's edge and API would take it: counted; refused by the rate
   * limiter; held back by a write lock on its objects; delayed by the latency switch; maybe
   * failed before it changes anything; run as one atomic step (with its idempotent result);
   * maybe answered with a fault although it was done; then answered.
   */
  private async handleApi(
    request: IncomingMessage,
    response: ServerResponse,
    method: string,
    url: URL,
    body: string,
    requestId: string,
  ): Promise<void> {
    const apiKey = this.authenticate(request);
    const match = this.api.match(method, url.pathname);
    this.counters.request(apiKey, `${method} ${match?.pattern ?? '(unknown route)'}`);
    if (match === null) throw routeNotFound(method, url.pathname);
    const realism = this.realism;
    const write = method !== 'GET';
    if (!this.limiter.take(realism.rateLimit, apiKey, write)) {
      this.counters.rateLimited(apiKey);
      const limited = rateLimited();
      this.sendJson(response, limited.statusCode, limited.toJSON(), {
        'stripe-rate-limited-reason': 'global-rate',
      });
      return;
    }
    const apiVersion =
      typeof request.headers['stripe-version'] === 'string'
        ? request.headers['stripe-version']
        : this.domain.core.defaultApiVersion;
    const idempotencyKey =
      method === 'POST' && typeof request.headers['idempotency-key'] === 'string'
        ? request.headers['idempotency-key']
        : null;
    const headers: Record<string, string> = { 'stripe-version': apiVersion };
    if (idempotencyKey !== null) headers['idempotency-key'] = idempotencyKey;

    // A retry (the SDK's, after a timeout) may arrive while the first request still runs.
    const inFlightKey = idempotencyKey === null ? null : `${apiKey}\u0000${idempotencyKey}`;
    if (inFlightKey !== null && this.keysInFlight.has(inFlightKey)) {
      this.sendJson(response, 409, idempotencyKeyInUse(idempotencyKey as string).toJSON(), headers);
      return;
    }
    const tree = parseFormBody(method === 'POST' ? body : url.search.slice(1));
    if (method !== 'POST' && body.length > 0) Object.assign(tree, parseFormBody(body));

    let release: (() => void) | null = null;
    if (inFlightKey !== null) this.keysInFlight.add(inFlightKey);
    // The locks and the key are let go as soon as the work is done (or refused), before any
    // injected fault holds the connection: a retry must be able to get the stored answer.
    const done = (): void => {
      release?.();
      if (inFlightKey !== null) this.keysInFlight.delete(inFlightKey);
    };
    try {
      if (write && realism.locks !== null) {
        release = await this.locks.acquire(lockedObjects(match.pathParams), realism.locks.waitMs);
        if (release === null) {
          this.counters.lockTimeout(apiKey);
          this.sendJson(response, 429, lockTimeout().toJSON(), {
            ...headers,
            'stripe-should-retry': 'true',
          });
          return;
        }
      }
      const latency = sampleLatency(realism.latency);
      if (latency > 0) await sleep(latency);
      // A lost answer is recoverable only through Stripe's idempotency layer: a request without
      // an Idempotency-Key (GET, DELETE, a bare POST) gets its fault before it changes anything.
      const fault = planFault(realism.faults, idempotencyKey !== null);
      if (fault?.phase === 'before') {
        done();
        this.counters.fault(apiKey, fault.kind);
        await this.injectFault(response, fault, headers);
        return;
      }
      const answer = this.execute(apiKey, method, url, body, tree, match, {
        requestId,
        idempotencyKey,
        apiVersion,
      });
      done();
      if (answer.replayed) this.counters.replay(apiKey);
      if (fault?.phase === 'after') {
        // Done and durable, idempotent result stored: only the answer is lost.
        this.counters.fault(apiKey, fault.kind);
        await this.injectFault(response, fault, headers);
        return;
      }
      this.sendJson(response, answer.status, answer.payload, {
        ...headers,
        ...(answer.replayed
          ? { 'idempotent-replayed': 'true', 'original-request': requestId }
          : {}),
      });
    } finally {
      done();
    }
  }

  /** The request's work: a stored idempotent answer, or the handler run as one atomic step. */
  private execute(
    apiKey: string,
    method: string,
    url: URL,
    body: string,
    tree: ParamObject,
    match: RouteMatch<ApiHandler>,
    origin: RequestOrigin,
  ): { status: number; payload: string; replayed: boolean } {
    const { idempotencyKey } = origin;
    const fingerprint = `${method} ${url.pathname}?${url.search}\n${body}`;
    if (idempotencyKey !== null) {
      const stored = this.store.run(() => this.idempotency.get(apiKey, idempotencyKey));
      if (stored !== undefined) {
        if (stored.fingerprint !== fingerprint) throw idempotencyMismatch(idempotencyKey);
        return { status: stored.statusCode, payload: stored.body, replayed: true };
      }
    }
    const params = new RequestParams(tree);
    try {
      // One atomic step: the handler, the expansion of its answer and the idempotency record.
      const payload = this.store.run(() => {
        const result = this.domain.core.events.withOrigin(origin, () =>
          match.handler({ pathParams: match.pathParams, params, path: url.pathname }),
        );
        const text = JSON.stringify(this.applyExpansion(result, params.expand()));
        if (idempotencyKey !== null)
          this.idempotency.put(apiKey, idempotencyKey, {
            fingerprint,
            statusCode: 200,
            body: text,
          });
        return text;
      }, keepsEffects);
      return { status: 200, payload, replayed: false };
    } catch (caught) {
      if (!(caught instanceof StripeApiError)) throw caught;
      // The step was undone (an error changes nothing and sends no event), unless the error is
      // a declined payment, which Stripe records.
      const status = caught.statusCode;
      const payload = JSON.stringify(caught.toJSON());
      // Stripe saves no result for requests that failed validation, so they may be retried with the same key.
      const validationFailure = status === 400 && caught.body.type === 'invalid_request_error';
      if (idempotencyKey !== null && !validationFailure) {
        this.store.run(() =>
          this.idempotency.put(apiKey, idempotencyKey, {
            fingerprint,
            statusCode: status,
            body: payload,
          }),
        );
      }
      return { status, payload, replayed: false };
    }
  }

  /** Answers (or fails to answer) as a sick Stripe or a broken network would. */
  private async injectFault(
    response: ServerResponse,
    fault: PlannedFault,
    headers: Record<string, string>,
  ): Promise<void> {
    const socket = response.socket;
    switch (fault.kind) {
      case '500':
      case '503': {
        const error = serverError(Number(fault.kind));
        this.sendJson(response, error.statusCode, error.toJSON(), headers);
        return;
      }
      case 'reset':
        // An RST, as a proxy or a crashed server sends: the client sees ECONNRESET.
        if (socket !== null) socket.resetAndDestroy();
        return;
      case 'timeout':
        // No answer at all; the connection is dropped once the client has surely given up.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            socket?.destroy();
            resolve();
          }, fault.timeoutMs);
          timer.unref();
          response.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        return;
    }
  }

  private applyExpansion(result: object, expand: string[]): object {
    if (expand.length === 0) return result;
    const kind = (result as { object?: unknown }).object;
    if (
      (kind === 'list' || kind === 'search_result') &&
      Array.isArray((result as { data?: unknown }).data)
    ) {
      return this.expander.expandList(result as { data: object[] }, expand);
    }
    return this.expander.expand(result, expand);
  }

  private async handleControl(
    response: ServerResponse,
    method: string,
    url: URL,
    body: string,
  ): Promise<void> {
    const match = this.control.match(method, url.pathname);
    if (match === null) {
      this.sendJson(response, 404, {
        error: {
          type: 'invalid_request_error',
          message: `No control route ${method} ${url.pathname}`,
        },
      });
      return;
    }
    let parsed: unknown = {};
    if (body.trim().length > 0) {
      try {
        parsed = JSON.parse(body);
      } catch {
        this.sendJson(response, 400, {
          error: { type: 'invalid_request_error', message: 'The body is not valid JSON.' },
        });
        return;
      }
    }
    const control: ControlRequest = {
      body:
        typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {},
      pathParams: match.pathParams,
      query: url.searchParams,
    };
    // Reads take no before-images; writes are one atomic step (their synchronous part).
    const result = await (method === 'GET'
      ? this.store.read(() => match.handler(control))
      : this.store.run(() => match.handler(control)));
    this.sendJson(response, 200, result ?? { ok: true });
  }

  private handlePage(response: ServerResponse, method: string, url: URL, body: string): void {
    const match = this.pages.match(method, url.pathname);
    if (match === null) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('Not found');
      return;
    }
    const result = this.store.run(() =>
      match.handler({
        method,
        pathParams: match.pathParams,
        form: parseFormBody(body),
        query: url.searchParams,
      }),
    );
    if (result.redirect !== undefined) {
      response.writeHead(result.status, { location: result.redirect });
      response.end();
      return;
    }
    const content = result.body ?? result.html ?? '';
    response.writeHead(result.status, {
      'content-type': result.contentType ?? 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(content),
    });
    response.end(content);
  }
}
