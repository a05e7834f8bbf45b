import { readFileSync } from 'node:fs';
import Stripe from 'stripe';
import { Expander } from './api/expansion';
import { registerApiRoutes } from './api/routes';
import type { BillingSettings, BillingSettingsPatch } from './billing/billing-settings';
import { parseCatalogDocument, seedCatalog, type CatalogDocument } from './billing/catalog-seed';
import { StripeDomain } from './billing/stripe-domain';
import { registerControlRoutes } from './control/control-routes';
import { defaultCatalogFile } from './emulator-paths';
import { EmulatorServer } from './http/emulator-server';
import { registerPages } from './pages/register-pages';
import {
  WebhookDispatcher,
  type DeliveryAttempt,
  type WebhookDeliveryOptions,
} from './webhooks/webhook-dispatcher';

export type {
  BillingSettings,
  BillingSettingsPatch,
  CatalogDocument,
  DeliveryAttempt,
  WebhookDeliveryOptions,
};
export { defaultCatalogFile };

export interface EmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Seeded at start when given. */
  catalogFile?: string;
  /** When set, only this key is accepted; otherwise any `sk_test_…` key. */
  apiKey?: string;
  logger?: (line: string) => void;
  /** Delay before each webhook retry; its length is the number of retries. */
  webhookRetryDelaysMs?: number[];
  deliveryTimeoutMs?: number;
  /**
   * Billing settings (Stripe keeps them in its Dashboard): `upcomingRenewalDays`,
   * `finalizationDelaySeconds`, `retries: {attempts, windowDays}`, `afterRetries`. Defaults are
   * Stripe's; see emulator/README.md.
   */
  billing?: BillingSettingsPatch;
}

export interface RunningEmulator {
  /** `http://host:port` */
  url: string;
  port: number;
  host: string;
  /** Seeds a catalog document (see emulator/catalog/sandbox-catalog.json) through the API code path. */
  seedCatalog(catalog: unknown): Promise<void>;
  /** Resolves once every queued webhook delivery has settled (succeeded or used up its retries). */
  flushWebhooks(): Promise<void>;
  /** The global emulated time (wall time plus what the control API has advanced). */
  now(): Date;
  close(): Promise<void>;
}

/** Stripe-like backoff, compressed: Stripe itself retries for up to three days. */
export const DEFAULT_WEBHOOK_RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000];
const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;
/** Due work on the global clock (expiring sessions, renewals) is picked up this often. */
const GLOBAL_CLOCK_TICK_MS = 1_000;

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const log = options.logger ?? (() => undefined);
  const domain = new StripeDomain(Stripe.API_VERSION, options.billing ?? {});
  const dispatcher = new WebhookDispatcher(
    domain.core.state,
    options.webhookRetryDelaysMs ?? DEFAULT_WEBHOOK_RETRY_DELAYS_MS,
    options.deliveryTimeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS,
    log,
  );
  domain.core.events.onEvent((event) => dispatcher.enqueue(event));
  const server = new EmulatorServer(domain, new Expander(domain), { apiKey: options.apiKey, log });
  registerApiRoutes(server.api, domain);
  const reset = (): void => {
    dispatcher.reset();
    server.resetIdempotency();
    domain.core.state.clear();
    domain.core.clock.reset();
  };
  registerControlRoutes(server.control, {
    domain,
    dispatcher,
    reset,
    defaultCatalog: () =>
      JSON.parse(readFileSync(options.catalogFile ?? defaultCatalogFile(), 'utf8')) as unknown,
  });
  registerPages(server.pages, domain);

  const host = options.host ?? '127.0.0.1';
  const address = await server.listen(options.port ?? 0, host);
  const url = `http://${host}:${address.port}`;
  domain.core.baseUrl = url;

  const seed = (catalog: unknown): void => {
    domain.core.events.withOrigin(null, () =>
      seedCatalog(domain.catalog, domain.core.state, parseCatalogDocument(catalog)),
    );
  };
  if (options.catalogFile !== undefined)
    seed(JSON.parse(readFileSync(options.catalogFile, 'utf8')));

  const tick = setInterval(() => {
    try {
      domain.core.events.withOrigin(null, () => domain.lifecycle.catchUpGlobal());
    } catch (caught) {
      log(
        `emulator clock tick failed: ${caught instanceof Error ? caught.message : String(caught)}`,
      );
    }
  }, GLOBAL_CLOCK_TICK_MS);
  tick.unref();

  return {
    url,
    port: address.port,
    host,
    seedCatalog: (catalog) => {
      seed(catalog);
      return Promise.resolve();
    },
    flushWebhooks: () => dispatcher.flush(),
    now: () => new Date(domain.core.clock.globalNow() * 1000),
    close: async () => {
      clearInterval(tick);
      dispatcher.close();
      await server.close();
    },
  };
}
