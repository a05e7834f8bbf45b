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
import { REALISM_OFF, type RealismOptions } from './http/realism';
import { registerPages } from './pages/register-pages';
import { StateFile } from './store/state-file';
import { StateStore } from './store/state-store';
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
  RealismOptions,
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
  /**
   * Where the state is kept across restarts (see store/state-file.ts). Unset: in memory only.
   * A folder is used by one emulator at a time.
   */
  dataDir?: string;
  /** fsync every commit (also survives power loss, at a cost per request). */
  fsync?: boolean;
  /** For tests: compact the state file once its journal passes this many bytes. */
  compactAfterBytes?: number;
  /**
   * The base URL people and browsers reach the emulator at, used in page links (checkout and
   * portal URLs, hosted invoices) when it differs from the listening address: a container, a
   * reverse proxy. Default: `http://host:port`.
   */
  publicUrl?: string;
  /** Realism switches in force from the start (all off by default; see http/realism.ts). */
  realism?: Partial<RealismOptions>;
  /** Webhook delivery options in force from the start (delay, jitter, retry schedule…). */
  webhooks?: Partial<WebhookDeliveryOptions>;
}

export interface RunningEmulator {
  /** `http://host:port` */
  url: string;
  port: number;
  host: string;
  /** The base of page links (`publicUrl`, or `url`). */
  publicUrl: string;
  /** True when the state was loaded from `dataDir` (not a first start). */
  restored: boolean;
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
  const store = new StateStore(domain.core.state, log);
  const stateFile =
    options.dataDir === undefined
      ? null
      : StateFile.open(options.dataDir, store, {
          fsync: options.fsync,
          log,
          compactAfterBytes: options.compactAfterBytes,
        });
  const restored = stateFile !== null && !store.isEmpty();
  const dispatcher = new WebhookDispatcher(
    store,
    () => domain.core.clock.globalNow(),
    options.webhookRetryDelaysMs ?? DEFAULT_WEBHOOK_RETRY_DELAYS_MS,
    options.deliveryTimeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS,
    log,
  );
  domain.core.events.onEvent((event) => dispatcher.enqueue(event));
  const server = new EmulatorServer(domain, store, new Expander(domain), {
    apiKey: options.apiKey,
    log,
  });
  // What a reset goes back to: the switches the emulator was started with.
  const initialRealism: RealismOptions = { ...REALISM_OFF, ...options.realism };
  const initialWebhooks: Partial<WebhookDeliveryOptions> = { ...options.webhooks };
  server.realism = structuredClone(initialRealism);
  dispatcher.setOptions(initialWebhooks);
  registerApiRoutes(server.api, domain);
  const reset = (): void => {
    dispatcher.reset();
    dispatcher.setOptions(initialWebhooks);
    store.clear();
    server.realism = structuredClone(initialRealism);
    server.limiter.reset();
    server.counters.reset();
  };
  registerControlRoutes(server.control, {
    domain,
    dispatcher,
    reset,
    afterCommit: (callback) => store.afterCommit(callback),
    realism: {
      get: () => server.realism,
      update: (patch) => {
        server.realism = { ...server.realism, ...patch };
        return server.realism;
      },
    },
    counters: server.counters,
    defaultCatalog: () =>
      JSON.parse(readFileSync(options.catalogFile ?? defaultCatalogFile(), 'utf8')) as unknown,
  });
  registerPages(server.pages, domain);

  const host = options.host ?? '127.0.0.1';
  let address: Awaited<ReturnType<EmulatorServer['listen']>>;
  try {
    address = await server.listen(options.port ?? 0, host);
  } catch (error) {
    stateFile?.close();
    throw error;
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  const publicUrl = (options.publicUrl ?? url).replace(/\/+$/, '');
  domain.core.baseUrl = publicUrl;

  const seed = (catalog: unknown): void => {
    store.run(() =>
      domain.core.events.withOrigin(null, () =>
        seedCatalog(domain.catalog, domain.core.state, parseCatalogDocument(catalog)),
      ),
    );
  };
  // A restored account keeps what it has: reseeding would bring back what was deleted since.
  if (options.catalogFile !== undefined && !restored)
    seed(JSON.parse(readFileSync(options.catalogFile, 'utf8')));
  // Deliveries a previous run still owed (a restart resumes them, as Stripe would).
  dispatcher.resume();

  const tick = setInterval(() => {
    try {
      store.run(() => domain.core.events.withOrigin(null, () => domain.lifecycle.catchUpGlobal()));
      dispatcher.clockMoved();
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
    publicUrl,
    restored,
    seedCatalog: (catalog) => {
      seed(catalog);
      return Promise.resolve();
    },
    flushWebhooks: () => dispatcher.flush(),
    now: () => new Date(store.read(() => domain.core.clock.globalNow()) * 1000),
    close: async () => {
      clearInterval(tick);
      dispatcher.close();
      await server.close();
      store.units.commitImplicit();
      stateFile?.close();
    },
  };
}
