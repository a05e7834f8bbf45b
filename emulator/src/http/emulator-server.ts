import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiHandler, ApiRouter } from '../api/api-call';
import type { Expander } from '../api/expansion';
import type { StripeDomain } from '../billing/stripe-domain';
import { newId } from '../store/ids';
import type { StateStore } from '../store/state-store';
import { parseFormBody, type ParamObject } from './form-body';
import { IdempotencyStore } from './idempotency-store';
import { RequestParams } from './request-params';
import { Router } from './router';
import {
  StripeApiError,
  idempotencyMismatch,
  routeNotFound,
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
        this.handleApi(request, response, method, url, body, requestId);
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

  private handleApi(
    request: IncomingMessage,
    response: ServerResponse,
    method: string,
    url: URL,
    body: string,
    requestId: string,
  ): void {
    const apiKey = this.authenticate(request);
    const match = this.api.match(method, url.pathname);
    if (match === null) throw routeNotFound(method, url.pathname);
    const apiVersion =
      typeof request.headers['stripe-version'] === 'string'
        ? request.headers['stripe-version']
        : this.domain.core.defaultApiVersion;
    const idempotencyKey =
      method === 'POST' && typeof request.headers['idempotency-key'] === 'string'
        ? request.headers['idempotency-key']
        : null;
    const headers: Record<string, string> = { 'stripe-version': apiVersion };
    const fingerprint = `${method} ${url.pathname}?${url.search}\n${body}`;
    if (idempotencyKey !== null) {
      headers['idempotency-key'] = idempotencyKey;
      const stored = this.store.run(() => this.idempotency.get(apiKey, idempotencyKey));
      if (stored !== undefined) {
        if (stored.fingerprint !== fingerprint) throw idempotencyMismatch(idempotencyKey);
        this.sendJson(response, stored.statusCode, stored.body, {
          ...headers,
          'idempotent-replayed': 'true',
          'original-request': requestId,
        });
        return;
      }
    }
    const tree = parseFormBody(method === 'POST' ? body : url.search.slice(1));
    if (method !== 'POST' && body.length > 0) Object.assign(tree, parseFormBody(body));
    const params = new RequestParams(tree);
    let status = 200;
    let payload: string;
    try {
      // One atomic step: the handler, the expansion of its answer and the idempotency record.
      payload = this.store.run(() => {
        const result = this.domain.core.events.withOrigin(
          { requestId, idempotencyKey, apiVersion },
          () => match.handler({ pathParams: match.pathParams, params, path: url.pathname }),
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
    } catch (caught) {
      if (!(caught instanceof StripeApiError)) throw caught;
      // The step was undone (an error changes nothing and sends no event), unless the error is
      // a declined payment, which Stripe records.
      status = caught.statusCode;
      payload = JSON.stringify(caught.toJSON());
      // Stripe saves no result for requests that failed validation, so they may be retried with the same key.
      const validationFailure = status === 400 && caught.body.type === 'invalid_request_error';
      if (idempotencyKey !== null && !validationFailure) {
        const errorPayload = payload;
        this.store.run(() =>
          this.idempotency.put(apiKey, idempotencyKey, {
            fingerprint,
            statusCode: status,
            body: errorPayload,
          }),
        );
      }
    }
    this.sendJson(response, status, payload, headers);
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
