import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Stripe from 'stripe';
import type { EmulatorOptions, RunningEmulator } from '../../emulator/src';
import { packageRoot } from '../common/package-root';
import type { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { createStripeClient, type StripeConnection } from '../stripe/stripe.module';

/** The key the app presents to the emulator; the emulator accepts any sk_test_ key. */
export const SANDBOX_SECRET_KEY = 'sk_test_sandbox';

export const sandboxCatalogFile = (): string =>
  join(packageRoot(), 'emulator', 'catalog', 'sandbox-catalog.json');

/** Retries of the sandbox's own set-up calls (webhook endpoint registration). */
const SETUP_RETRIES = 3;

/** How often the app reads a standalone emulator's clock (its sense of "now" may lag this much). */
const REMOTE_CLOCK_POLL_MS = 1_000;

export interface Sandbox {
  /** The emulator running in this process; undefined when STRIPE_API_BASE names another one. */
  emulator?: RunningEmulator;
  /** The emulator's base URL (API under /v1, control API under /_emulator). */
  url: string;
  connection: StripeConnection;
  /** The emulator's global clock: sandbox billing rules follow emulated time. */
  clock: Clock;
  /**
   * Registers the app's webhook endpoint, as an operator would in Stripe's dashboard, once per
   * URL: an endpoint the emulator already has for this URL (a restart against a persisted or
   * shared emulator) is reused. Returns its signing secret.
   */
  registerWebhookEndpoint(url: string): Promise<string>;
  /** Seeds the sandbox catalog; ids the emulator already has are left alone, so it is idempotent. */
  seedCatalog(): Promise<void>;
  close(): Promise<void>;
}

export interface SandboxOptions {
  port?: number;
  log?: (line: string) => void;
  webhookRetryDelaysMs?: number[];
  /** The in-process emulator's state folder; undefined: in memory. */
  dataDir?: string;
  /** Extra settings for the in-process emulator (tests: realism switches). */
  emulator?: Partial<EmulatorOptions>;
}

/**
 * Sandbox mode: the emulator plays Stripe, and the app talks to it through the same SDK calls it
 * makes to Stripe. It runs in this process unless STRIPE_API_BASE names a standalone one, which
 * several app processes can then share.
 */
export async function startSandbox(
  config: AppConfig,
  options: SandboxOptions = {},
): Promise<Sandbox> {
  const external = config.stripe.apiBase;
  let emulator: RunningEmulator | undefined;
  let connection: StripeConnection;
  let url: string;
  let clock: RemoteClock | undefined;
  if (external === undefined) {
    // Loaded only when it runs here: a service pointed at another emulator (or at Stripe) does
    // not carry its code.
    const { startEmulator } = await import('../../emulator/src');
    emulator = await startEmulator({
      host: config.stripe.emulatorHost,
      port: options.port ?? config.stripe.emulatorPort,
      logger: options.log,
      webhookRetryDelaysMs: options.webhookRetryDelaysMs,
      dataDir: options.dataDir,
      publicUrl: config.stripe.emulatorPublicUrl,
      ...options.emulator,
    });
    url = emulator.url;
    connection = {
      apiKey: SANDBOX_SECRET_KEY,
      host: emulator.host,
      port: emulator.port,
      protocol: 'http',
      timeoutMs: config.stripe.timeoutMs,
      maxNetworkRetries: config.stripe.maxNetworkRetries,
    };
  } else {
    url = external.url;
    connection = {
      apiKey: SANDBOX_SECRET_KEY,
      host: external.host,
      port: external.port,
      protocol: external.protocol,
      timeoutMs: config.stripe.timeoutMs,
      maxNetworkRetries: config.stripe.maxNetworkRetries,
    };
    clock = await RemoteClock.start(url, options.log ?? (() => undefined));
  }
  const running = emulator;
  // Setting the sandbox up must survive a flaky emulator (its realism switches) even when the
  // service's own calls are configured not to retry.
  const stripe = createStripeClient({
    ...connection,
    maxNetworkRetries: Math.max(connection.maxNetworkRetries, SETUP_RETRIES),
  });
  return {
    emulator,
    url,
    connection,
    clock: running !== undefined ? { now: () => running.now() } : (clock as RemoteClock),
    registerWebhookEndpoint: (endpointUrl) => registerOnce(stripe, url, endpointUrl),
    seedCatalog: async () => {
      const catalog = JSON.parse(await readFile(sandboxCatalogFile(), 'utf8')) as unknown;
      await controlRequest(url, 'POST', '/catalog/seed', catalog);
    },
    close: async () => {
      clock?.stop();
      await running?.close();
    },
  };
}

async function controlRequest<T>(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${base}/_emulator${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`The emulator's control API answered ${response.status} to ${path}: ${text}`);
  return JSON.parse(text) as T;
}

/**
 * One endpoint per URL. Stripe shows a secret only when the endpoint is created; the emulator's
 * control API reveals it later (as the Dashboard does), so a restarted app keeps verifying with
 * the same secret and deliveries are not doubled by a second endpoint.
 */
async function registerOnce(stripe: Stripe, base: string, endpointUrl: string): Promise<string> {
  const existing = (
    await stripe.webhookEndpoints.list({ limit: 100 }).autoPagingToArray({
      limit: 10_000,
    })
  ).find((endpoint) => endpoint.url === endpointUrl);
  if (existing !== undefined) {
    if (existing.status !== 'enabled')
      await stripe.webhookEndpoints.update(existing.id, { disabled: false });
    const revealed = await controlRequest<{ secret: string }>(
      base,
      'GET',
      `/webhook_endpoints/${existing.id}`,
    );
    return revealed.secret;
  }
  // The same key for the same URL: a retried or concurrent registration creates one endpoint.
  const endpoint = await stripe.webhookEndpoints.create(
    { url: endpointUrl, enabled_events: ['*'] },
    { idempotencyKey: `sandbox-webhook-endpoint:${endpointUrl}` },
  );
  if (endpoint.secret === undefined) throw new Error('the emulator returned no webhook secret');
  return endpoint.secret;
}

/**
 * A standalone emulator's global clock, read over its control API and refreshed every second.
 * Against a host that has no control API (another Stripe-compatible server) it is wall time.
 */
class RemoteClock implements Clock {
  private offsetMs = 0;
  private timer: NodeJS.Timeout | null = null;

  private constructor(private readonly base: string) {}

  static async start(base: string, log: (line: string) => void): Promise<RemoteClock> {
    const clock = new RemoteClock(base);
    if (await clock.refresh()) {
      clock.timer = setInterval(() => void clock.refresh(), REMOTE_CLOCK_POLL_MS);
      clock.timer.unref();
    } else {
      log(`No emulator clock at ${base}/_emulator/clock: sandbox time is wall time.`);
    }
    return clock;
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private async refresh(): Promise<boolean> {
    try {
      const read = await controlRequest<{ now: number; realNow: number }>(
        this.base,
        'GET',
        '/clock',
      );
      this.offsetMs = (read.now - read.realNow) * 1000;
      return true;
    } catch {
      return false;
    }
  }
}
