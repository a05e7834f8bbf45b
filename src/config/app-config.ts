import { isCronExpression } from './cron';
import { ConfigError, EnvReader, type Env } from './env-reader';
import { fleetConfig, type FleetConfig } from './fleet-config';

/** sandbox: the built-in emulator plays Stripe; test/live: real Stripe, by key prefix. */
export type BillingMode = 'sandbox' | 'test' | 'live';

export interface JwtConfig {
  /** HS256 shared secret; in sandbox mode a generated one when unset. */
  secret?: string;
  /** RS256/ES256 keys published at a JWKS URL. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  orgClaim: string;
  roleClaim: string;
  rolesClaim: string;
  /**
   * Longest accepted token lifetime, in seconds: `exp` is required and may lie at most this far
   * ahead, and a token issued (`iat`) longer ago than this is refused whatever its `exp`.
   */
  maxTokenAgeSeconds: number;
}

/** A Stripe-compatible API host, as the SDK's `protocol`/`host`/`port` settings take it. */
export interface StripeApiBase {
  url: string;
  protocol: 'http' | 'https';
  host: string;
  port: number;
}

export interface StripeConfig {
  /** Unset in sandbox mode: the emulator accepts the sandbox key. */
  secretKey?: string;
  publishableKey?: string;
  webhookSecrets: string[];
  /**
   * Where the SDK sends its calls instead of api.stripe.com (any mode): a standalone emulator,
   * a proxy. In sandbox mode, set means "use this emulator; start none in-process".
   */
  apiBase?: StripeApiBase;
  /** Only in sandbox mode: where the in-process emulator listens. */
  emulatorHost: string;
  emulatorPort: number;
  /**
   * Where a browser loads Stripe.js (embedded checkout): Stripe's own in stripe mode; in sandbox
   * mode boot points it at the emulator's stand-in, which works offline.
   */
  jsUrl: string;
  /**
   * Only in sandbox mode: the in-process emulator's state folder. Unset: next to the embedded
   * database (`.data/emulator`), or in memory when DATABASE_URL is set.
   */
  emulatorDataDir?: string;
  /** Only in sandbox mode: the base URL browsers reach the in-process emulator's pages at. */
  emulatorPublicUrl?: string;
  /**
   * Only in sandbox mode: the URL the emulator posts webhooks to (the app as the emulator
   * reaches it). Unset: http://127.0.0.1:PORT/api/webhooks/stripe (or HOST when not 0.0.0.0).
   */
  sandboxWebhookUrl?: string;
  /** Request timeout towards Stripe, and the SDK's retry count on network errors and 5xx. */
  timeoutMs: number;
  maxNetworkRetries: number;
  /** The shared Stripe API budget (DESIGN §6): one token bucket per Stripe account. */
  budget: {
    ratePerSecond: number;
    burst: number;
    userReserveShare: number;
    userMaxWaitMs: number;
    /** A fetch for an event waits at most this long for a token, then the event is deferred. */
    eventFetchMaxWaitMs: number;
  };
}

export interface AppConfig {
  mode: BillingMode;
  nodeEnv: string;
  port: number;
  host: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  frontendUrl: string;
  /** Allowed origins, or `'*'`: any origin, without credentials. */
  corsOrigins: string[] | '*';
  bodyLimitBytes: number;
  throttle: {
    ttlSeconds: number;
    /** Per client (the account with a valid token, else the IP) and window. */
    limit: number;
    /** Per service key (admin or entitlements key) and window: other services call often. */
    serviceLimit: number;
    /** Webhook deliveries per sending IP and window, counted before the body is read. */
    webhookLimit: number;
  };
  shutdownTimeoutMs: number;
  database: {
    /** Unset → the embedded PostgreSQL. */
    url?: string;
    embeddedDir: string;
    embeddedPort: number;
    poolSize: number;
    /** How long a request waits for a pooled connection before answering 503 DATABASE_BUSY. */
    poolTimeoutMs: number;
  };
  stripe: StripeConfig;
  jwt: JwtConfig;
  admin: {
    role: string;
    /** X-Admin-Key: every admin route, and entitlement checks. */
    apiKey?: string;
    /** X-Entitlements-Key: entitlement checks only, for other services. */
    entitlementsApiKey?: string;
    billingAdminRoles: string[];
  };
  billing: {
    trialDays: number;
    /**
     * Trials that start without a card (Checkout `payment_method_collection=if_required`), and
     * what happens when one ends with none on file: `pause` or `cancel`; `off` asks for a card.
     * A price's metadata `trial_without_card` overrides it.
     */
    trialWithoutCard: TrialWithoutCard;
    allowPromotionCodes: boolean;
    /** Checkout's `allowed_payment_method_types` (card-family types only, see below). */
    paymentMethodTypes: PaymentMethodType[];
    /** Checkout: Stripe Tax computes tax from the buyer's address (`automatic_tax[enabled]`). */
    automaticTax: boolean;
    /** Checkout: the buyer may give a business name and tax id (`tax_id_collection[enabled]`). */
    taxIdCollection: boolean;
    /** Checkout: `required` always asks for a full billing address; `auto` only when needed. */
    billingAddressCollection: 'auto' | 'required';
    defaultPriceId?: string;
    currency: string;
    checkoutSuccessPath: string;
    checkoutCancelPath: string;
    portalReturnPath: string;
    pastDueGraceDays: number;
    entitlementsCacheSeconds: number;
  };
  sync: {
    cron: string;
    onStart: boolean;
    webhookRetentionDays: number;
    lookbackDays: number;
    /** How far this service's clock may be from Stripe's, in seconds (watermarks of fetches). */
    clockSkewSeconds: number;
  };
  /** Several instances on one PostgreSQL: webhook mode, job queue, shared rate limits. */
  fleet: FleetConfig;
  metricsToken?: string;
  /** Express `trust proxy`: how many proxies to trust for the client IP (throttling, logs). */
  trustProxy: number;
}

/** Stripe.js, as Stripe serves it; a page must load it from there, never from a copy. */
export const STRIPE_JS_URL = 'https://js.stripe.com/v3/';

/** The price the sandbox catalog marks as the default plan. */
export const SANDBOX_DEFAULT_PRICE_ID = 'price_pro_monthly';

/** `TRIAL_WITHOUT_CARD` and the price metadata `trial_without_card`. */
export const TRIAL_WITHOUT_CARD_VALUES = ['off', 'pause', 'cancel'] as const;
export type TrialWithoutCard = (typeof TRIAL_WITHOUT_CARD_VALUES)[number];

function modeFromKey(key: string | undefined): BillingMode {
  if (key === undefined) return 'sandbox';
  if (key.startsWith('sk_test_') || key.startsWith('rk_test_')) return 'test';
  if (key.startsWith('sk_live_') || key.startsWith('rk_live_')) return 'live';
  throw new ConfigError(
    'STRIPE_SECRET_KEY',
    'must start with sk_test_, sk_live_, rk_test_ or rk_live_',
  );
}

function apiBase(reader: EnvReader): StripeApiBase | undefined {
  const value = reader.optionalUrl('STRIPE_API_BASE');
  if (value === undefined) return undefined;
  const parsed = new URL(value);
  // The SDK adds /v1/… itself and takes only protocol, host and port.
  if (parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '') {
    throw new ConfigError(
      'STRIPE_API_BASE',
      'must be a base URL with no path, like http://127.0.0.1:12111',
    );
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new ConfigError('STRIPE_API_BASE', 'must not carry credentials');
  }
  const protocol = parsed.protocol === 'https:' ? 'https' : 'http';
  return {
    url: `${protocol}://${parsed.host}`,
    protocol,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? (protocol === 'https' ? 443 : 80) : Number(parsed.port),
  };
}

/**
 * Checkout payment method types this service accepts in PAYMENT_METHOD_TYPES: Stripe's card
 * family as far as the emulator takes payment with it (its test cards), so that what is
 * configured works the same in sandbox mode and against Stripe. Extend it with the emulator.
 */
export const PAYMENT_METHOD_TYPES = ['card'] as const;
export type PaymentMethodType = (typeof PAYMENT_METHOD_TYPES)[number];

function paymentMethodTypes(read: EnvReader): PaymentMethodType[] {
  const types = read.list('PAYMENT_METHOD_TYPES', ['card']);
  if (types.length === 0)
    throw new ConfigError('PAYMENT_METHOD_TYPES', 'must name at least one payment method type');
  for (const type of types)
    if (!(PAYMENT_METHOD_TYPES as readonly string[]).includes(type))
      throw new ConfigError(
        'PAYMENT_METHOD_TYPES',
        `must be a comma list of ${PAYMENT_METHOD_TYPES.join(', ')}, got "${type}"`,
      );
  return [...new Set(types)] as PaymentMethodType[];
}

function path(reader: EnvReader, name: string, fallback: string): string {
  const value = reader.string(name, fallback);
  // Paths are appended to FRONTEND_URL: a leading "/" and no "//" keep redirects on that host.
  if (!value.startsWith('/') || value.startsWith('//')) {
    throw new ConfigError(name, 'must be a path starting with a single "/"');
  }
  return value;
}

/**
 * Well under Stripe's documented limits (about 100 requests/s live, 25 in test mode), leaving
 * room for the dashboard and other tools using the same account.
 */
const DEFAULT_STRIPE_RATE: Record<BillingMode, number> = { live: 80, test: 20, sandbox: 80 };

function stripeBudget(read: EnvReader, mode: BillingMode): StripeConfig['budget'] {
  const ratePerSecond = read.int('STRIPE_RATE_LIMIT', DEFAULT_STRIPE_RATE[mode], {
    min: 1,
    max: 10_000,
  });
  return {
    ratePerSecond,
    burst: read.int('STRIPE_RATE_BURST', ratePerSecond, { min: 1, max: 10_000 }),
    userReserveShare: read.int('STRIPE_USER_RESERVE_PERCENT', 25, { min: 0, max: 90 }) / 100,
    userMaxWaitMs: read.int('STRIPE_USER_MAX_WAIT_MS', 10_000, { min: 0 }),
    eventFetchMaxWaitMs: read.int('STRIPE_EVENT_FETCH_MAX_WAIT_MS', 5_000, { min: 0 }),
  };
}

export function loadConfig(env: Env): AppConfig {
  const read = new EnvReader(env);
  const secretKey = read.optionalString('STRIPE_SECRET_KEY');
  const mode = modeFromKey(secretKey);
  const live = mode !== 'sandbox';
  // Checkout and portal send paying customers back here: a forgotten value must not mean localhost.
  if (live) read.requiredString('FRONTEND_URL', 'when STRIPE_SECRET_KEY is set');
  const port = read.int('PORT', 3000, { min: 0, max: 65535 });
  // Sandbox mode serves the demo frontend itself, so checkout and the portal return into it.
  const frontendUrl = read.url('FRONTEND_URL', `http://localhost:${port}`).replace(/\/+$/, '');

  const jwt: JwtConfig = {
    secret: read.optionalString('JWT_SECRET'),
    jwksUrl: read.optionalUrl('JWT_JWKS_URL'),
    issuer: read.optionalString('JWT_ISSUER'),
    audience: read.optionalString('JWT_AUDIENCE'),
    orgClaim: read.string('JWT_ORG_CLAIM', 'org_id'),
    roleClaim: read.string('JWT_ROLE_CLAIM', 'org_role'),
    rolesClaim: read.string('JWT_ROLES_CLAIM', 'roles'),
    maxTokenAgeSeconds: read.int('JWT_MAX_TOKEN_AGE_SECONDS', 86_400, { min: 60, max: 31_536_000 }),
  };
  if (jwt.secret !== undefined && jwt.secret.length < 32) {
    throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
  }
  if (jwt.secret !== undefined && jwt.jwksUrl !== undefined) {
    throw new ConfigError(
      'JWT_SECRET',
      'and JWT_JWKS_URL are both set; choose one way to verify tokens',
    );
  }
  if (live && jwt.secret === undefined && jwt.jwksUrl === undefined) {
    throw new ConfigError(
      'JWT_SECRET',
      'or JWT_JWKS_URL is required when STRIPE_SECRET_KEY is set',
    );
  }

  const webhookSecrets = read.list('STRIPE_WEBHOOK_SECRETS', []);
  for (const secret of webhookSecrets) {
    if (!secret.startsWith('whsec_')) {
      throw new ConfigError(
        'STRIPE_WEBHOOK_SECRETS',
        'must be a comma-separated list of whsec_… secrets',
      );
    }
  }
  if (live && webhookSecrets.length === 0) {
    throw new ConfigError('STRIPE_WEBHOOK_SECRETS', 'is required when STRIPE_SECRET_KEY is set');
  }
  const publishableKey = read.optionalString('STRIPE_PUBLISHABLE_KEY');
  if (publishableKey !== undefined && !publishableKey.startsWith('pk_')) {
    throw new ConfigError('STRIPE_PUBLISHABLE_KEY', 'must start with pk_');
  }

  const databaseUrl = read.optionalUrl('DATABASE_URL', ['postgres:', 'postgresql:']);
  if (live && databaseUrl === undefined) {
    throw new ConfigError('DATABASE_URL', 'is required when STRIPE_SECRET_KEY is set');
  }

  const adminApiKey = read.optionalString('ADMIN_API_KEY');
  if (adminApiKey !== undefined && adminApiKey.length < 24) {
    throw new ConfigError('ADMIN_API_KEY', 'must be at least 24 characters');
  }
  const entitlementsApiKey = read.optionalString('ENTITLEMENTS_API_KEY');
  if (entitlementsApiKey !== undefined && entitlementsApiKey.length < 24) {
    throw new ConfigError('ENTITLEMENTS_API_KEY', 'must be at least 24 characters');
  }
  if (entitlementsApiKey !== undefined && entitlementsApiKey === adminApiKey) {
    throw new ConfigError('ENTITLEMENTS_API_KEY', 'must differ from ADMIN_API_KEY');
  }

  const corsOrigins = read
    .list('CORS_ORIGINS', [new URL(frontendUrl).origin])
    .map((origin) => origin.replace(/\/+$/, ''));
  // `*` means any origin. Tokens travel in the Authorization header, not in cookies, so the API
  // needs no credentialed CORS: `*` is served without credentials, which browsers accept.
  if (corsOrigins.includes('*') && corsOrigins.length > 1) {
    throw new ConfigError('CORS_ORIGINS', 'is either * alone or a list of origins, not both');
  }
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(
        'CORS_ORIGINS',
        `must list origins like https://app.example.com, got "${origin}"`,
      );
    }
  }

  const syncCron = read.string('SYNC_CRON', '0 3 * * *');
  if (!isCronExpression(syncCron))
    throw new ConfigError('SYNC_CRON', `is not a cron expression: "${syncCron}"`);

  const currency = read.string('CURRENCY', 'usd').toLowerCase();
  if (!/^[a-z]{3}$/.test(currency))
    throw new ConfigError('CURRENCY', 'must be a three-letter ISO code');

  return {
    mode,
    nodeEnv: read.string('NODE_ENV', 'development'),
    port,
    host: read.string('HOST', '0.0.0.0'),
    logLevel: read.oneOf(
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'info',
    ),
    frontendUrl,
    corsOrigins: corsOrigins.includes('*') ? '*' : corsOrigins,
    bodyLimitBytes: read.byteSize('BODY_LIMIT', '100kb'),
    throttle: {
      ttlSeconds: read.int('THROTTLE_TTL_SECONDS', 60, { min: 1 }),
      limit: read.int('THROTTLE_LIMIT', 300, { min: 1 }),
      serviceLimit: read.int('THROTTLE_SERVICE_LIMIT', 60_000, { min: 1 }),
      webhookLimit: read.int('THROTTLE_WEBHOOK_LIMIT', 6_000, { min: 1 }),
    },
    shutdownTimeoutMs: read.int('SHUTDOWN_TIMEOUT_MS', 10000, { min: 0 }),
    database: {
      url: databaseUrl,
      embeddedDir: read.string('EMBEDDED_DB_DIR', '.data/postgres'),
      embeddedPort: read.int('EMBEDDED_DB_PORT', 54329, { min: 1, max: 65535 }),
      poolSize: read.int('DATABASE_POOL_SIZE', 10, { min: 1, max: 200 }),
      poolTimeoutMs: read.int('DATABASE_POOL_TIMEOUT_MS', 3_000, { min: 100, max: 60_000 }),
    },
    stripe: {
      secretKey,
      publishableKey,
      webhookSecrets,
      jsUrl: STRIPE_JS_URL,
      apiBase: apiBase(read),
      emulatorHost: read.string('EMULATOR_HOST', '127.0.0.1'),
      emulatorPort: read.int('EMULATOR_PORT', 12111, { min: 0, max: 65535 }),
      emulatorDataDir: read.optionalString('EMULATOR_DATA_DIR'),
      emulatorPublicUrl: read.optionalUrl('EMULATOR_PUBLIC_URL')?.replace(/\/+$/, ''),
      sandboxWebhookUrl: read.optionalUrl('SANDBOX_WEBHOOK_URL'),
      timeoutMs: read.int('STRIPE_TIMEOUT_MS', 20000, { min: 100 }),
      maxNetworkRetries: read.int('STRIPE_MAX_NETWORK_RETRIES', 2, { min: 0, max: 10 }),
      budget: stripeBudget(read, mode),
    },
    jwt,
    admin: {
      role: read.string('ADMIN_ROLE', 'billing:admin'),
      apiKey: adminApiKey,
      entitlementsApiKey,
      billingAdminRoles: read.list('BILLING_ADMIN_ROLES', ['owner', 'admin']),
    },
    billing: {
      trialDays: read.int('TRIAL_DAYS', 7, { min: 0, max: 730 }),
      trialWithoutCard: read.oneOf('TRIAL_WITHOUT_CARD', TRIAL_WITHOUT_CARD_VALUES, 'off'),
      allowPromotionCodes: read.bool('ALLOW_PROMOTION_CODES', true),
      paymentMethodTypes: paymentMethodTypes(read),
      automaticTax: read.bool('CHECKOUT_AUTOMATIC_TAX', false),
      taxIdCollection: read.bool('CHECKOUT_TAX_ID_COLLECTION', false),
      billingAddressCollection: read.oneOf(
        'CHECKOUT_BILLING_ADDRESS_COLLECTION',
        ['auto', 'required'],
        'auto',
      ),
      defaultPriceId:
        read.optionalString('DEFAULT_PRICE_ID') ?? (live ? undefined : SANDBOX_DEFAULT_PRICE_ID),
      currency,
      checkoutSuccessPath: path(read, 'CHECKOUT_SUCCESS_PATH', '/billing/success'),
      checkoutCancelPath: path(read, 'CHECKOUT_CANCEL_PATH', '/billing/cancel'),
      portalReturnPath: path(read, 'PORTAL_RETURN_PATH', '/billing'),
      pastDueGraceDays: read.int('PAST_DUE_GRACE_DAYS', 3, { min: 0, max: 60 }),
      entitlementsCacheSeconds: read.int('ENTITLEMENTS_CACHE_SECONDS', 60, { min: 0, max: 3600 }),
    },
    sync: {
      cron: syncCron,
      onStart: read.bool('SYNC_ON_START', true),
      webhookRetentionDays: read.int('WEBHOOK_RETENTION_DAYS', 30, { min: 1 }),
      lookbackDays: read.int('SYNC_LOOKBACK_DAYS', 90, { min: 1, max: 3650 }),
      clockSkewSeconds: read.int('SYNC_CLOCK_SKEW_SECONDS', 5, { min: 0, max: 300 }),
    },
    fleet: fleetConfig(read),
    metricsToken: read.optionalString('METRICS_TOKEN'),
    trustProxy: read.int('TRUST_PROXY', 0, { min: 0, max: 10 }),
  };
}
