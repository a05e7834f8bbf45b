import { loadConfig } from '../../src/config/app-config';
import { configRefusal } from '../support/config-refusal';

describe('STRIPE_API_BASE and the emulator settings', () => {
  it('is unset by default: the SDK talks to Stripe, or sandbox mode starts its own emulator', () => {
    const config = loadConfig({});
    expect(config.stripe.apiBase).toBeUndefined();
    expect(config.stripe.emulatorDataDir).toBeUndefined();
    expect(config.stripe.sandboxWebhookUrl).toBeUndefined();
  });

  it('takes a base URL and splits it the way the SDK wants it', () => {
    expect(loadConfig({ STRIPE_API_BASE: 'http://127.0.0.1:12111' }).stripe.apiBase).toEqual({
      url: 'http://127.0.0.1:12111',
      protocol: 'http',
      host: '127.0.0.1',
      port: 12111,
    });
    expect(loadConfig({ STRIPE_API_BASE: 'https://stripe.internal/' }).stripe.apiBase).toEqual({
      url: 'https://stripe.internal',
      protocol: 'https',
      host: 'stripe.internal',
      port: 443,
    });
    expect(loadConfig({ STRIPE_API_BASE: 'http://[::1]:8080' }).stripe.apiBase).toMatchObject({
      host: '::1',
      port: 8080,
    });
  });

  it('is used in stripe mode too', () => {
    const config = loadConfig({
      STRIPE_SECRET_KEY: 'sk_test_abc',
      STRIPE_API_BASE: 'http://emulator:12111',
      FRONTEND_URL: 'https://app.example.com',
      DATABASE_URL: 'postgresql://u@h/db',
      JWT_SECRET: 'x'.repeat(32),
      STRIPE_WEBHOOK_SECRETS: 'whsec_a',
    });
    expect(config.mode).toBe('test');
    expect(config.stripe.apiBase).toMatchObject({ host: 'emulator', port: 12111 });
  });

  it('refuses what the SDK cannot use, naming the variable', () => {
    expect(configRefusal({ STRIPE_API_BASE: 'not a url' })).toMatch(
      /^Invalid configuration: STRIPE_API_BASE/,
    );
    expect(configRefusal({ STRIPE_API_BASE: 'ftp://host' })).toMatch(
      /STRIPE_API_BASE must use http/,
    );
    expect(configRefusal({ STRIPE_API_BASE: 'http://host/v1' })).toMatch(
      /STRIPE_API_BASE .*no path/,
    );
    expect(configRefusal({ STRIPE_API_BASE: 'http://host?x=1' })).toMatch(/no path/);
    expect(configRefusal({ STRIPE_API_BASE: 'http://user:pw@host' })).toMatch(/credentials/);
    expect(configRefusal({ EMULATOR_PUBLIC_URL: 'nope' })).toMatch(/EMULATOR_PUBLIC_URL/);
    expect(configRefusal({ SANDBOX_WEBHOOK_URL: 'nope' })).toMatch(/SANDBOX_WEBHOOK_URL/);
  });

  it('reads the in-process emulator settings', () => {
    const config = loadConfig({
      EMULATOR_DATA_DIR: '/var/lib/emulator',
      EMULATOR_PUBLIC_URL: 'http://localhost:12111/',
      SANDBOX_WEBHOOK_URL: 'http://app:3000/api/webhooks/stripe',
    });
    expect(config.stripe).toMatchObject({
      emulatorDataDir: '/var/lib/emulator',
      emulatorPublicUrl: 'http://localhost:12111',
      sandboxWebhookUrl: 'http://app:3000/api/webhooks/stripe',
    });
  });
});
