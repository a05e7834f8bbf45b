import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { BillingApiError, BillingTransportError, isErrorEnvelope } from './errors.js';
import { IDEMPOTENT_OPERATIONS } from './generated/operations.js';
import type {
  AccountView,
  CancelSubscriptionRequest,
  CatalogQuery,
  ChangeSubscriptionRequest,
  CheckoutSessionCreated,
  CheckoutSessionRequest,
  CheckoutSessionStatus,
  Entitlements,
  FeatureEntitlement,
  PaymentMethod,
  PaymentPage,
  PaymentQuery,
  BillingProfile,
  BillingProfileUpdate,
  Invoice,
  InvoicePage,
  InvoiceQuery,
  PortalSession,
  PortalSessionRequest,
  PriceWithProduct,
  Product,
  PublicConfig,
  Purchase,
  SandboxSignInRequest,
  SandboxToken,
  SetupSession,
  SetupSessionRequest,
  Subscription,
  paths,
} from './types.js';

type MaybePromise<T> = T | Promise<T>;

export interface BillingClientOptions {
  /**
   * Where the service is: `''` for the page's own origin (the service serves the frontend, or a
   * dev proxy forwards `/api`), else e.g. `https://billing.example.com`. No trailing `/api`.
   */
  baseUrl?: string;
  /** The signed-in user's JWT, read before every call; nothing is sent when it gives none. */
  getToken?: () => MaybePromise<string | null | undefined>;
  /** A fetch of your own (SSR, tests, instrumentation); default the global one. */
  fetch?: typeof globalThis.fetch;
  /** How Idempotency-Keys are made; default a random UUID. */
  newIdempotencyKey?: () => string;
}

export interface IdempotentCallOptions {
  /**
   * Send the same key to retry the same action safely (a network failure, a reload): the first
   * response is replayed. Default: a fresh key for every call.
   */
  idempotencyKey?: string;
}

const IDEMPOTENT: ReadonlySet<string> = new Set(IDEMPOTENT_OPERATIONS);

/** A version-4 UUID from `crypto.getRandomValues`, which also exists outside secure contexts. */
export function randomIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Adds the bearer token, and an Idempotency-Key to the POSTs that take one when none is set. */
function authAndIdempotency(options: BillingClientOptions): Middleware {
  const newKey = options.newIdempotencyKey ?? randomIdempotencyKey;
  return {
    async onRequest({ request, schemaPath }) {
      const token = await options.getToken?.();
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      if (
        IDEMPOTENT.has(`${request.method} ${schemaPath}`) &&
        !request.headers.has('Idempotency-Key')
      ) {
        request.headers.set('Idempotency-Key', newKey());
      }
      return request;
    },
  };
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a call, or a BillingApiError / BillingTransportError. */
async function unwrap<T>(call: () => Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await call();
  } catch (error) {
    throw new BillingTransportError(
      `The billing service could not be reached: ${error instanceof Error ? error.message : String(error)}`,
      undefined,
      { cause: error },
    );
  }
  const { response } = result;
  if (response.ok) return result.data as T;
  if (isErrorEnvelope(result.error)) throw new BillingApiError(result.error, response);
  throw new BillingTransportError(
    `The billing service answered ${response.status} without its error envelope.`,
    response.status,
  );
}

export type BillingClient = ReturnType<typeof createBillingClient>;

/**
 * A typed client for the billing service. Each method returns the response's data and throws
 * `BillingApiError` (with `code`) or `BillingTransportError`; `raw` is the underlying
 * openapi-fetch client, typed on every path, for calls that want `{data, error, response}`.
 */
export function createBillingClient(options: BillingClientOptions = {}) {
  const raw: Client<paths> = createClient<paths>({
    baseUrl: options.baseUrl ?? '',
    fetch: options.fetch,
  });
  raw.use(authAndIdempotency(options));
  const idempotencyHeader = (call?: IdempotentCallOptions): Record<string, string> =>
    call?.idempotencyKey === undefined ? {} : { 'Idempotency-Key': call.idempotencyKey };

  return {
    raw,

    /** What a frontend needs to start: mode, publishable key, Stripe.js URL, trial, currency. */
    config: (): Promise<PublicConfig> => unwrap(() => raw.GET('/api/config')),

    /** Who the token is, its billing account, and whether it may manage billing there. */
    account: (): Promise<AccountView> => unwrap(() => raw.GET('/api/account')),

    catalog: {
      /** Active products and prices; with a token, `subscribed` / `current` and the caller's trial. */
      products: (query: CatalogQuery = {}): Promise<Product[]> =>
        unwrap(() => raw.GET('/api/catalog/products', { params: { query } })),
      price: (priceId: string): Promise<PriceWithProduct> =>
        unwrap(() => raw.GET('/api/catalog/prices/{id}', { params: { path: { id: priceId } } })),
    },

    checkout: {
      /** Starts a checkout: redirect to `url`, or mount `clientSecret` (uiMode 'embedded'). */
      create: (
        body: CheckoutSessionRequest = {},
        call?: IdempotentCallOptions,
      ): Promise<CheckoutSessionCreated> =>
        unwrap(() =>
          raw.POST('/api/checkout/sessions', {
            body,
            params: { header: idempotencyHeader(call) },
          }),
        ),
      /** The return page's question: open, complete or expired (refreshed from Stripe). */
      status: (sessionId: string): Promise<CheckoutSessionStatus> =>
        unwrap(() =>
          raw.GET('/api/checkout/sessions/{id}', { params: { path: { id: sessionId } } }),
        ),
    },

    portal: {
      /** A customer-portal session: redirect the browser to `url`. */
      create: (
        body: PortalSessionRequest = {},
        call?: IdempotentCallOptions,
      ): Promise<PortalSession> =>
        unwrap(() =>
          raw.POST('/api/portal/sessions', { body, params: { header: idempotencyHeader(call) } }),
        ),
    },

    subscriptions: {
      /** The live subscription, else a lifetime plan or the one that just ended, else null. */
      current: async (): Promise<Subscription | null> =>
        (await unwrap(() => raw.GET('/api/subscriptions/current'))).subscription,
      list: (): Promise<Subscription[]> => unwrap(() => raw.GET('/api/subscriptions')),
      cancel: async (body: CancelSubscriptionRequest = {}): Promise<Subscription | null> =>
        (await unwrap(() => raw.POST('/api/subscriptions/current/cancel', { body }))).subscription,
      resume: async (): Promise<Subscription | null> =>
        (await unwrap(() => raw.POST('/api/subscriptions/current/resume'))).subscription,
      change: async (body: ChangeSubscriptionRequest): Promise<Subscription | null> =>
        (await unwrap(() => raw.POST('/api/subscriptions/current/change', { body }))).subscription,
    },

    payments: {
      /** Billing history, newest first; pass `nextCursor` back as `cursor` for the next page. */
      list: (query: PaymentQuery = {}): Promise<PaymentPage> =>
        unwrap(() => raw.GET('/api/payments', { params: { query } })),
    },

    invoices: {
      /** Invoices and receipts (lines, tax, hosted page, PDF), newest first; cursor paging. */
      list: (query: InvoiceQuery = {}): Promise<InvoicePage> =>
        unwrap(() => raw.GET('/api/invoices', { params: { query } })),
      /** One invoice by its Stripe id (a payment's `invoiceId`). */
      get: (id: string): Promise<Invoice> =>
        unwrap(() => raw.GET('/api/invoices/{id}', { params: { path: { id } } })),
    },

    billingProfile: {
      /** Name, address and tax ids invoices are made out to (billing admins; 404 before checkout). */
      get: (): Promise<BillingProfile> => unwrap(() => raw.GET('/api/billing-profile')),
      /** Written to Stripe, then mirrored; `taxIds` is the full list; `null` clears a field. */
      update: (body: BillingProfileUpdate): Promise<BillingProfile> =>
        unwrap(() => raw.PATCH('/api/billing-profile', { body })),
    },

    purchases: {
      list: (): Promise<Purchase[]> => unwrap(() => raw.GET('/api/purchases')),
    },

    paymentMethods: {
      /** Saved cards, newest first, with the default flagged (billing role on organisations). */
      list: (): Promise<PaymentMethod[]> => unwrap(() => raw.GET('/api/payment-methods')),
      /** Adds a card: redirect to `url` (or mount `clientSecret`), Stripe saves it. */
      setup: (
        body: SetupSessionRequest = {},
        call?: IdempotentCallOptions,
      ): Promise<SetupSession> =>
        unwrap(() =>
          raw.POST('/api/payment-methods/setup', {
            body,
            params: { header: idempotencyHeader(call) },
          }),
        ),
      /** Makes a card the one invoices are charged to; answers the updated list. */
      makeDefault: (id: string): Promise<PaymentMethod[]> =>
        unwrap(() => raw.POST('/api/payment-methods/{id}/default', { params: { path: { id } } })),
      /** Removes a card (409 LAST_PAYMENT_METHOD for a billed subscription's only card). */
      remove: (id: string): Promise<PaymentMethod[]> =>
        unwrap(() => raw.DELETE('/api/payment-methods/{id}', { params: { path: { id } } })),
    },

    entitlements: {
      list: (): Promise<Entitlements> => unwrap(() => raw.GET('/api/entitlements')),
      check: (feature: string): Promise<FeatureEntitlement> =>
        unwrap(() => raw.GET('/api/entitlements/{feature}', { params: { path: { feature } } })),
    },

    sandbox: {
      /** Sandbox mode only (404 elsewhere): a token for a user, or an organisation member. */
      signIn: (body: SandboxSignInRequest): Promise<SandboxToken> =>
        unwrap(() => raw.POST('/api/sandbox/sign-in', { body })),
    },
  };
}
