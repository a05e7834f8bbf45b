import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { backgroundSlices } from '../common/background-slices';
import { ApiError } from '../errors/api-error';
import { toApiError } from '../errors/all-exceptions.filter';
import type { ErrorEnvelope } from '../errors/error-envelope';
import { requestIdFor } from '../logging/logging.module';
import type { WebhooksService } from './webhooks.service';

/** Comfortably above the largest event Stripe sends. */
export const WEBHOOK_BODY_LIMIT_BYTES = 2 * 1024 * 1024;

/** Seconds Stripe (or a queue) should wait before retrying a deferred event. */
const DEFERRED_RETRY_AFTER_SECONDS = 30;

const logger = new Logger('Webhooks');

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

function sendError(
  request: IncomingMessage & { id?: unknown },
  response: ServerResponse,
  error: unknown,
): void {
  const apiError = toApiError(error);
  if (apiError.status >= 500 && apiError.code !== 'WEBHOOK_DEFERRED')
    logger.error({ err: error, code: apiError.code }, 'webhook request failed');
  if (response.headersSent) return;
  if (apiError.code === 'WEBHOOK_DEFERRED')
    response.setHeader('Retry-After', String(DEFERRED_RETRY_AFTER_SECONDS));
  const body: ErrorEnvelope = {
    success: false,
    statusCode: apiError.status,
    error_code: apiError.code,
    message: apiError.message,
    details: apiError.details,
    requestId: typeof request.id === 'string' ? request.id : '',
  };
  send(response, apiError.status, body);
}

/** The raw bytes Stripe signed, up to the limit (413 past it, without reading the rest). */
function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > WEBHOOK_BODY_LIMIT_BYTES) {
      reject(new ApiError('PAYLOAD_TOO_LARGE'));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > WEBHOOK_BODY_LIMIT_BYTES) {
        request.removeAllListeners('data');
        reject(new ApiError('PAYLOAD_TOO_LARGE'));
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

/**
 * `POST /api/webhooks/stripe` served before Nest's pipeline: Stripe's deliveries need none of
 * what the API routes pay for (helmet, CORS, JSON parsing, guards, validation, per-request
 * logging). It reads the raw body, verifies it and hands the event on; every error still has
 * the envelope of DESIGN §4. Other methods fall through to Nest (405/404 as for any route).
 */
export function webhookIngress(service: WebhooksService) {
  return (
    request: IncomingMessage & { id?: unknown },
    response: ServerResponse,
    next: () => void,
  ): void => {
    if (request.method !== 'POST') {
      next();
      return;
    }
    const signature = request.headers['stripe-signature'];
    // Verifying and applying, then answering, are bulk work: each step waits for a background
    // slice, so that a burst of deliveries does not hold up the API's requests meanwhile.
    readBody(request)
      .then(async (body) => {
        await backgroundSlices.next();
        return service.receive(body, typeof signature === 'string' ? signature : undefined);
      })
      .then(
        async (outcome) => {
          await backgroundSlices.next();
          send(response, 200, outcome);
        },
        (error: unknown) => sendError(request, response, error),
      );
  };
}

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Puts the webhook route in front of the HTTP server's own listener (Express and Nest): a
 * `POST` to `path` is answered here with no router, no middleware and no per-request logging;
 * everything else goes on to Express as before. The response still carries X-Request-Id.
 */
export function installWebhookIngress(
  server: Server,
  path: string,
  service: WebhooksService,
): void {
  const handle = webhookIngress(service);
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  const next: RequestListener = (request, response) => {
    for (const listener of listeners) listener.call(server, request, response);
  };
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (
      request.method === 'POST' &&
      (request.url === path || request.url?.startsWith(`${path}?`))
    ) {
      requestIdFor(request, response);
      handle(request, response, () => next(request, response));
      return;
    }
    next(request, response);
  });
}
