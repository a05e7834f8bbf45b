import { loadConfig } from '../../src/config/app-config';
import { configRefusal } from '../support/config-refusal';

describe('loadConfig', () => {
  it('starts in sandbox mode on defaults', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('sandbox');
    expect(config.port).toBe(3000);
    expect(config.database.url).toBeUndefined();
    expect(config.billing).toMatchObject({
      trialDays: 7,
      allowPromotionCodes: true,
      pastDueGraceDays: 3,
    });
    expect(config.billing.defaultPriceId).toBe('price_pro_monthly');
    // The sandbox serves the demo frontend itself: redirects return to it, on its own port.
    expect(config.frontendUrl).toBe('http://localhost:3000');
    expect(config.corsOrigins).toEqual(['http://localhost:3000']);
    expect(loadConfig({ PORT: '8080' }).frontendUrl).toBe('http://localhost:8080');
    expect(config.stripe.jsUrl).toBe('https://js.stripe.com/v3/');
    expect(loadConfig({ FRONTEND_URL: 'https://app.example.com/console/' }).corsOrigins).toEqual([
      'https://app.example.com',
    ]);
    expect(config.bodyLimitBytes).toBe(100 * 1024);
    expect(config.admin.billingAdminRoles).toEqual(['owner', 'admin']);
    expect(config.jwt).toMatchObject({ orgClaim: 'org_id', roleClaim: 'org_role' });
  });

  it('chooses test or live mode from the key', () => {
    const base = {
      FRONTEND_URL: 'https://app.example.com',
      DATABASE_URL: 'postgresql://u@h/db',
      JWT_SECRET: 'x'.repeat(32),
      STRIPE_WEBHOOK_SECRETS: 'whsec_a,whsec_b',
    };
    expect(loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_test_1' }).mode).toBe('test');
    const live = loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_live_1' });
    expect(live.mode).toBe('live');
    expect(live.stripe.webhookSecrets).toEqual(['whsec_a', 'whsec_b']);
    expect(live.billing.defaultPriceId).toBeUndefined();
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ FRONTEND_URL: 'not a url' }, 'FRONTEND_URL'],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL'],
    [{ TRIAL_DAYS: '-1' }, 'TRIAL_DAYS'],
    [{ ALLOW_PROMOTION_CODES: 'maybe' }, 'ALLOW_PROMOTION_CODES'],
    [{ TRIAL_WITHOUT_CARD: 'yes' }, 'TRIAL_WITHOUT_CARD'],
    [{ BODY_LIMIT: 'lots' }, 'BODY_LIMIT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ SYNC_CRON: 'every day' }, 'SYNC_CRON'],
    [{ CHECKOUT_SUCCESS_PATH: '//evil.example/x' }, 'CHECKOUT_SUCCESS_PATH'],
    [{ CHECKOUT_CANCEL_PATH: 'https://evil.example' }, 'CHECKOUT_CANCEL_PATH'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ ADMIN_API_KEY: 'short' }, 'ADMIN_API_KEY'],
    [{ STRIPE_SECRET_KEY: 'pk_test_1' }, 'STRIPE_SECRET_KEY'],
    [
      {
        FRONTEND_URL: 'https://app.example.com',
        STRIPE_SECRET_KEY: 'sk_test_1',
        JWT_SECRET: 'x'.repeat(32),
        STRIPE_WEBHOOK_SECRETS: 'whsec_a',
      },
      'DATABASE_URL',
    ],
    [
      {
        FRONTEND_URL: 'https://app.example.com',
        STRIPE_SECRET_KEY: 'sk_test_1',
        DATABASE_URL: 'postgres://h/d',
        STRIPE_WEBHOOK_SECRETS: 'whsec_a',
      },
      'JWT_SECRET',
    ],
    [
      {
        FRONTEND_URL: 'https://app.example.com',
        STRIPE_SECRET_KEY: 'sk_test_1',
        DATABASE_URL: 'postgres://h/d',
        JWT_SECRET: 'x'.repeat(32),
      },
      'STRIPE_WEBHOOK_SECRETS',
    ],
    [{ STRIPE_WEBHOOK_SECRETS: 'nope' }, 'STRIPE_WEBHOOK_SECRETS'],
    [{ CURRENCY: 'dollars' }, 'CURRENCY'],
    [{ JWT_SECRET: 'x'.repeat(32), JWT_JWKS_URL: 'https://id.example/jwks.json' }, 'JWT_SECRET'],
    [
      {
        STRIPE_SECRET_KEY: 'sk_live_1',
        DATABASE_URL: 'postgres://h/d',
        JWT_SECRET: 'x'.repeat(32),
        STRIPE_WEBHOOK_SECRETS: 'whsec_a',
      },
      'FRONTEND_URL',
    ],
  ])('refuses %j naming %s', (env, variable) => {
    expect(configRefusal(env as Record<string, string>)).toMatch(
      new RegExp(`^Invalid configuration: ${variable} `),
    );
  });

  it('reads PAYMENT_METHOD_TYPES: card by default, card-family types the emulator takes only', () => {
    expect(loadConfig({}).billing.paymentMethodTypes).toEqual(['card']);
    expect(
      loadConfig({ PAYMENT_METHOD_TYPES: ' card , card ' }).billing.paymentMethodTypes,
    ).toEqual(['card']);
    expect(configRefusal({ PAYMENT_METHOD_TYPES: 'card,ideal' })).toMatch(
      /PAYMENT_METHOD_TYPES must be a comma list of card, got "ideal"/,
    );
    expect(configRefusal({ PAYMENT_METHOD_TYPES: 'link' })).toMatch(/PAYMENT_METHOD_TYPES/);
    expect(configRefusal({ PAYMENT_METHOD_TYPES: ' , ' })).toMatch(
      /PAYMENT_METHOD_TYPES must name/,
    );
  });

  it('reads lists, sizes and booleans', () => {
    const config = loadConfig({
      CORS_ORIGINS: 'https://a.example, https://b.example',
      BODY_LIMIT: '1mb',
      ALLOW_PROMOTION_CODES: 'false',
      BILLING_ADMIN_ROLES: 'owner,billing',
      TRIAL_DAYS: '0',
    });
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.bodyLimitBytes).toBe(1024 * 1024);
    expect(config.billing.allowPromotionCodes).toBe(false);
    expect(config.billing.trialDays).toBe(0);
    expect(config.admin.billingAdminRoles).toEqual(['owner', 'billing']);
  });

  it('reads TRIAL_WITHOUT_CARD: off by default, pause or cancel', () => {
    expect(loadConfig({}).billing.trialWithoutCard).toBe('off');
    expect(loadConfig({ TRIAL_WITHOUT_CARD: 'pause' }).billing.trialWithoutCard).toBe('pause');
    expect(loadConfig({ TRIAL_WITHOUT_CARD: 'cancel' }).billing.trialWithoutCard).toBe('cancel');
  });

  it('takes CORS_ORIGINS=* alone as any origin, and refuses it mixed with origins', () => {
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
    expect(configRefusal({ CORS_ORIGINS: '*,https://a.example' })).toContain('CORS_ORIGINS');
    expect(configRefusal({ CORS_ORIGINS: 'https://a.example/path' })).toContain('CORS_ORIGINS');
  });

  it('reads the hardening settings with their defaults and bounds', () => {
    const config = loadConfig({});
    expect(config.jwt.maxTokenAgeSeconds).toBe(86_400);
    expect(config.database.poolTimeoutMs).toBe(3_000);
    expect(config.throttle).toEqual({
      ttlSeconds: 60,
      limit: 300,
      serviceLimit: 60_000,
      webhookLimit: 6_000,
    });
    expect(config.admin.entitlementsApiKey).toBeUndefined();
    expect(configRefusal({ JWT_MAX_TOKEN_AGE_SECONDS: '10' })).toContain(
      'JWT_MAX_TOKEN_AGE_SECONDS',
    );
    expect(configRefusal({ DATABASE_POOL_TIMEOUT_MS: '5' })).toContain('DATABASE_POOL_TIMEOUT_MS');
    expect(configRefusal({ ENTITLEMENTS_API_KEY: 'short' })).toContain('ENTITLEMENTS_API_KEY');
    const key = 'k'.repeat(30);
    expect(configRefusal({ ADMIN_API_KEY: key, ENTITLEMENTS_API_KEY: key })).toContain(
      'must differ from ADMIN_API_KEY',
    );
  });

  it('keeps the message free of secret values', () => {
    expect(configRefusal({ JWT_SECRET: 'short' })).not.toContain('short');
  });
});
