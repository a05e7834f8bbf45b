import { sampleLatency } from '../src/http/realism';
import { OptionError, parseServiceOptions, usage } from '../src/service-options';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
  parseServiceOptions(argv, env, '/catalog.json');

const refusal = (argv: string[], env: NodeJS.ProcessEnv = {}): string => {
  try {
    parse(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(OptionError);
    return (error as Error).message;
  }
  throw new Error('expected the options to be refused');
};

describe('the emulator service options', () => {
  it('has defaults: 127.0.0.1:12111, in memory, seeded, every switch off', () => {
    const options = parse([]);
    expect(options).toMatchObject({ help: false, seed: true });
    expect(options.emulator).toMatchObject({
      port: 12111,
      host: '127.0.0.1',
      dataDir: undefined,
      publicUrl: undefined,
      catalogFile: '/catalog.json',
      fsync: false,
      realism: { latency: null, rateLimit: null, locks: null, faults: null },
      webhooks: { delayMs: 0, jitterMs: 0, retrySchedule: 'fixed' },
    });
  });

  it('reads flags and variables alike, a flag winning over its variable', () => {
    const env = {
      EMULATOR_PORT: '4000',
      EMULATOR_HOST: '0.0.0.0',
      EMULATOR_DATA_DIR: '/var/lib/emulator',
      EMULATOR_LATENCY: '50',
    };
    expect(parse([], env).emulator).toMatchObject({
      port: 4000,
      host: '0.0.0.0',
      dataDir: '/var/lib/emulator',
      realism: { latency: { fixedMs: 50 } },
    });
    const options = parse(
      ['--port', '5000', '--data-dir=/tmp/state', '--latency', 'p50=150,p99=600', '--no-seed'],
      env,
    );
    expect(options.seed).toBe(false);
    expect(options.emulator).toMatchObject({
      port: 5000,
      host: '0.0.0.0',
      dataDir: '/tmp/state',
      catalogFile: undefined,
      realism: { latency: { p50Ms: 150, p99Ms: 600 } },
    });
  });

  it('reads every realism switch', () => {
    const { emulator } = parse([
      '--rate-limit',
      'stripe',
      '--lock-timeout',
      '250',
      '--fault-rate',
      '0.01',
      '--faults',
      '500,503,timeout,reset',
      '--fault-phase',
      'after',
      '--fault-timeout',
      '5000',
      '--webhook-delay',
      '100',
      '--webhook-jitter',
      '50',
      '--webhook-retries',
      'stripe-live',
      '--public-url',
      'http://localhost:12111/',
      '--fsync',
    ]);
    expect(emulator).toMatchObject({
      publicUrl: 'http://localhost:12111',
      fsync: true,
      realism: {
        rateLimit: 'stripe',
        locks: { waitMs: 250 },
        faults: {
          rate: 0.01,
          kinds: ['500', '503', 'timeout', 'reset'],
          phase: 'after',
          timeoutMs: 5000,
        },
      },
      webhooks: { delayMs: 100, jitterMs: 50, retrySchedule: 'stripe-live' },
    });
    expect(parse(['--rate-limit', '40']).emulator.realism?.rateLimit).toBe(40);
    expect(parse(['--rate-limit', 'off', '--latency', 'off']).emulator.realism).toMatchObject({
      rateLimit: null,
      latency: null,
    });
  });

  it('refuses bad values with one line naming the flag or variable', () => {
    expect(refusal(['--port', 'x'])).toMatch(/^--port must be a whole number/);
    expect(refusal([], { EMULATOR_PORT: '70000' })).toMatch(/^EMULATOR_PORT must be/);
    expect(refusal(['--latency', 'p99=10'])).toMatch(/--latency/);
    expect(refusal(['--latency', 'p50=100,p99=10'])).toMatch(/p99 must be at least p50/);
    expect(refusal(['--rate-limit', 'fast'])).toMatch(/--rate-limit/);
    expect(refusal(['--fault-rate', '2'])).toMatch(/--fault-rate must be a number from 0 to 1/);
    expect(refusal(['--fault-rate', '0.1', '--faults', '418'])).toMatch(/--faults/);
    expect(refusal(['--webhook-retries', 'daily'])).toMatch(/--webhook-retries/);
    expect(refusal(['--public-url', 'ftp://x'])).toMatch(/--public-url/);
    expect(refusal(['--api-key', 'pk_test_x'])).toMatch(/--api-key/);
    expect(refusal(['--colour'])).toMatch(/Unknown option --colour/);
    expect(refusal(['--port'])).toMatch(/--port needs a value/);
    expect(refusal(['--fsync=yes'])).toMatch(/takes no value/);
    expect(refusal(['stray'])).toMatch(/Unexpected argument/);
  });

  it('lists every flag and its variable in --help', () => {
    expect(parse(['--help']).help).toBe(true);
    const text = usage();
    for (const flag of [
      '--port',
      '--host',
      '--data-dir',
      '--public-url',
      '--latency',
      '--rate-limit',
      '--lock-timeout',
      '--fault-rate',
      '--faults',
      '--fault-phase',
      '--webhook-delay',
      '--webhook-jitter',
      '--webhook-retries',
    ])
      expect(text).toContain(flag);
    expect(text).toContain('EMULATOR_DATA_DIR');
  });
});

describe('the latency distribution', () => {
  it('has the configured median and 99th percentile', () => {
    const samples = Array.from({ length: 40_000 }, () =>
      sampleLatency({ p50Ms: 150, p99Ms: 600 }),
    ).sort((a, b) => a - b);
    const at = (quantile: number): number => samples[Math.floor(samples.length * quantile)];
    expect(at(0.5)).toBeGreaterThan(140);
    expect(at(0.5)).toBeLessThan(160);
    expect(at(0.99)).toBeGreaterThan(540);
    expect(at(0.99)).toBeLessThan(660);
    expect(samples[0]).toBeGreaterThan(0);
    expect(sampleLatency({ fixedMs: 42 })).toBe(42);
    expect(sampleLatency(null)).toBe(0);
  });
});
