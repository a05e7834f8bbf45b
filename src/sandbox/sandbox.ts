import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Stripe from 'stripe';
import { startEmulator, type RunningEmulator } from '../../emulator/src';
import { packageRoot } from '../common/package-root';
import type { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import type { StripeConnection } from '../stripe/stripe.module';

/** The key the app presents to the emulator; the emulator accepts any sk_test_ key. */
export const SANDBOX_SECRET_KEY = 'sk_test_sandbox';

export const sandboxCatalogFile = (): string =>
  join(packageRoot(), 'emulator', 'catalog', 'sandbox-catalog.json');

export interface Sandbox {
  emulator: RunningEmulator;
  connection: StripeConnection;
  /** The emulator's global clock: sandbox billing rules follow emulated time. */
  clock: Clock;
  /** Registers the app's webhook endpoint, as an operator would in Stripe's dashboard; returns its secret. */
  registerWebhookEndpoint(url: string): Promise<string>;
  /** Seeds the sandbox catalog (its product and price events then reach the app). */
  seedCatalog(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Sandbox mode: the emulator runs in this process and plays Stripe; the app talks to it through
 * the same SDK calls it makes to Stripe.
 */
export async function startSandbox(
  config: AppConfig,
  options: { port?: number; log?: (line: string) => void; webhookRetryDelaysMs?: number[] } = {},
): Promise<Sandbox> {
  const emulator = await startEmulator({
    host: config.stripe.emulatorHost,
    port: options.port ?? config.stripe.emulatorPort,
    logger: options.log,
    webhookRetryDelaysMs: options.webhookRetryDelaysMs,
  });
  const connection: StripeConnection = {
    apiKey: SANDBOX_SECRET_KEY,
    host: emulator.host,
    port: emulator.port,
    protocol: 'http',
    timeoutMs: config.stripe.timeoutMs,
    maxNetworkRetries: config.stripe.maxNetworkRetries,
  };
  const stripe = new Stripe(SANDBOX_SECRET_KEY, {
    host: emulator.host,
    port: emulator.port,
    protocol: 'http',
  });
  return {
    emulator,
    connection,
    clock: { now: () => emulator.now() },
    registerWebhookEndpoint: async (url) => {
      const endpoint = await stripe.webhookEndpoints.create({ url, enabled_events: ['*'] });
      if (endpoint.secret === undefined) throw new Error('the emulator returned no webhook secret');
      return endpoint.secret;
    },
    seedCatalog: async () => {
      await emulator.seedCatalog(JSON.parse(await readFile(sandboxCatalogFile(), 'utf8')));
    },
    close: () => emulator.close(),
  };
}
