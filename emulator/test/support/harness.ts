import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src';

export const SANDBOX_CATALOG = require.resolve('../../catalog/sandbox-catalog.json');

export interface Harness {
  emulator: RunningEmulator;
  stripe: Stripe;
  /** POSTs (or GETs when `body` is undefined and method is GET) JSON to the control API. */
  control<T = Record<string, unknown>>(
    path: string,
    body?: unknown,
    method?: 'GET' | 'POST',
  ): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export function sdkFor(emulator: RunningEmulator, key = 'sk_test_emulator'): Stripe {
  return new Stripe(key, {
    host: '127.0.0.1',
    port: emulator.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
}

export async function startHarness(options: EmulatorOptions = {}): Promise<Harness> {
  const emulator = await startEmulator({
    webhookRetryDelaysMs: [50, 100],
    deliveryTimeoutMs: 2_000,
    ...options,
  });
  const stripe = sdkFor(emulator);
  return {
    emulator,
    stripe,
    control: async <T>(path: string, body?: unknown, method: 'GET' | 'POST' = 'POST') => {
      const response = await fetch(`${emulator.url}/_emulator/${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
      });
      return { status: response.status, body: (await response.json()) as T };
    },
    close: () => emulator.close(),
  };
}

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  rawBody: string;
  event: Stripe.Event;
  at: number;
}

/** A tiny local HTTP server standing in for the app's webhook endpoint (and a success page for browsers). */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Status to answer for the n-th delivery (0-based); 200 by default. */
  respond: (delivery: ReceivedWebhook, index: number) => number = () => 200;
  private server: Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.method !== 'POST') {
          response.writeHead(200, { 'content-type': 'text/html' });
          response.end(
            `<!doctype html><title>Success</title><h1 id="landed">Landed on ${request.url ?? ''}</h1>`,
          );
          return;
        }
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const delivery: ReceivedWebhook = {
          headers: request.headers,
          rawBody,
          event: JSON.parse(rawBody) as Stripe.Event,
          at: Date.now(),
        };
        const index = this.received.length;
        this.received.push(delivery);
        const status = this.respond(delivery, index);
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ received: status < 300 }));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  types(): string[] {
    return this.received.map((delivery) => delivery.event.type);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The id of the newest event, as a marker for `eventsAfter`. */
export async function latestEventId(stripe: Stripe): Promise<string | undefined> {
  const page = await stripe.events.list({ limit: 1 });
  return page.data[0]?.id;
}

/** Events created after `marker`, oldest first (the order they happened in). */
export async function eventsAfter(
  stripe: Stripe,
  marker: string | undefined,
): Promise<Stripe.Event[]> {
  const events: Stripe.Event[] = [];
  for await (const event of stripe.events.list({ limit: 100 })) {
    if (event.id === marker) break;
    events.push(event);
  }
  return events.reverse();
}

export async function eventTypesAfter(
  stripe: Stripe,
  marker: string | undefined,
): Promise<string[]> {
  return (await eventsAfter(stripe, marker)).map((event) => event.type);
}

export const DAY = 86_400;
