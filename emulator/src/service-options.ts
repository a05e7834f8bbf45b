import {
  DEFAULT_FAULT_TIMEOUT_MS,
  FAULT_KINDS,
  FAULT_PHASES,
  type FaultKind,
  type FaultPhase,
  type FaultSetting,
  type LatencySetting,
  type RealismOptions,
} from './http/realism';
import type { EmulatorOptions } from './index';
import {
  RETRY_SCHEDULES,
  type RetrySchedule,
  type WebhookDeliveryOptions,
} from './webhooks/webhook-dispatcher';

/**
 * The emulator as a service: its settings from command-line flags and environment variables
 * (a flag wins over its variable). Every value is checked; a bad one stops the program with one
 * line naming the flag or variable.
 */
export class OptionError extends Error {}

interface OptionSpec {
  flag: string;
  env: string;
  /** Shown in --help after the flag: VALUE, N, MS… (none for switches). */
  value?: string;
  help: string;
  /** Default shown in --help. */
  fallback?: string;
}

export const OPTION_SPECS: readonly OptionSpec[] = [
  { flag: 'port', env: 'EMULATOR_PORT', value: 'N', help: 'port to listen on', fallback: '12111' },
  {
    flag: 'host',
    env: 'EMULATOR_HOST',
    value: 'HOST',
    help: 'interface to listen on (0.0.0.0 in a container)',
    fallback: '127.0.0.1',
  },
  {
    flag: 'data-dir',
    env: 'EMULATOR_DATA_DIR',
    value: 'DIR',
    help: 'keep the state in this folder across restarts (unset: in memory only)',
  },
  {
    flag: 'public-url',
    env: 'EMULATOR_PUBLIC_URL',
    value: 'URL',
    help: 'base URL of page links (checkout, portal, invoices) when browsers reach the emulator elsewhere',
    fallback: 'http://HOST:PORT',
  },
  {
    flag: 'seed',
    env: 'EMULATOR_SEED',
    help: 'seed the catalog on a first start (--no-seed: start empty)',
    fallback: 'true',
  },
  {
    flag: 'catalog',
    env: 'EMULATOR_CATALOG',
    value: 'FILE',
    help: 'catalog document to seed',
    fallback: 'emulator/catalog/sandbox-catalog.json',
  },
  {
    flag: 'api-key',
    env: 'EMULATOR_API_KEY',
    value: 'KEY',
    help: 'accept only this secret key (default: any sk_test_… key)',
  },
  {
    flag: 'fsync',
    env: 'EMULATOR_FSYNC',
    help: 'fsync every commit, to survive power loss as well as a killed process',
    fallback: 'false',
  },
  {
    flag: 'latency',
    env: 'EMULATOR_LATENCY',
    value: 'SPEC',
    help: 'latency of every API request: MS (fixed) or p50=MS,p99=MS (a tail), or off',
    fallback: 'off',
  },
  {
    flag: 'rate-limit',
    env: 'EMULATOR_RATE_LIMIT',
    value: 'SPEC',
    help: "Stripe's rate limiter per key: stripe (25 reads + 25 writes/s in test mode, 100 live), N per second, or off",
    fallback: 'off',
  },
  {
    flag: 'lock-timeout',
    env: 'EMULATOR_LOCK_TIMEOUT_MS',
    value: 'MS',
    help: 'writes to one object queue behind each other and get 429 lock_timeout after MS, or off',
    fallback: 'off',
  },
  {
    flag: 'fault-rate',
    env: 'EMULATOR_FAULT_RATE',
    value: 'R',
    help: 'share of API requests (0-1) that get an injected fault',
    fallback: '0',
  },
  {
    flag: 'faults',
    env: 'EMULATOR_FAULTS',
    value: 'KINDS',
    help: 'which faults, comma-separated: 500, 503, timeout, reset',
    fallback: '500,503',
  },
  {
    flag: 'fault-phase',
    env: 'EMULATOR_FAULT_PHASE',
    value: 'PHASE',
    help: 'before (nothing done), after (done, answer lost; the idempotent retry replays) or both',
    fallback: 'both',
  },
  {
    flag: 'fault-timeout',
    env: 'EMULATOR_FAULT_TIMEOUT_MS',
    value: 'MS',
    help: 'how long a timeout fault holds the connection before dropping it',
    fallback: '30000',
  },
  {
    flag: 'webhook-delay',
    env: 'EMULATOR_WEBHOOK_DELAY_MS',
    value: 'MS',
    help: 'delay before the first attempt of every webhook delivery',
    fallback: '0',
  },
  {
    flag: 'webhook-jitter',
    env: 'EMULATOR_WEBHOOK_JITTER_MS',
    value: 'MS',
    help: 'plus a random delay up to MS per delivery',
    fallback: '0',
  },
  {
    flag: 'webhook-retries',
    env: 'EMULATOR_WEBHOOK_RETRIES',
    value: 'SCHEDULE',
    help: "retries of failed deliveries: fixed (1s, 5s, 30s, 2min), or Stripe's stripe-test / stripe-live on the emulated clock",
    fallback: 'fixed',
  },
  { flag: 'help', env: '', help: 'print this help and exit' },
];

export interface ServiceOptions {
  help: boolean;
  seed: boolean;
  emulator: EmulatorOptions & { port: number; host: string };
}

type Raw = Map<string, { value: string; source: string }>;

/** Reads `--flag value`, `--flag=value`, `--switch` and `--no-switch`; flags win over env. */
function collect(argv: readonly string[], env: NodeJS.ProcessEnv): Raw {
  const raw: Raw = new Map();
  for (const spec of OPTION_SPECS) {
    const value = spec.env === '' ? undefined : env[spec.env]?.trim();
    if (value !== undefined && value !== '') raw.set(spec.flag, { value, source: spec.env });
  }
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    if (!argument.startsWith('--'))
      throw new OptionError(`Unexpected argument "${argument}" (see --help).`);
    const [name, inline] = argument.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const negated = name.startsWith('no-') ? name.slice(3) : null;
    const spec = OPTION_SPECS.find((candidate) => candidate.flag === (negated ?? name));
    if (spec === undefined) throw new OptionError(`Unknown option --${name} (see --help).`);
    if (spec.value === undefined) {
      if (inline !== undefined)
        throw new OptionError(
          `--${spec.flag} takes no value (use --${spec.flag} or --no-${spec.flag}).`,
        );
      raw.set(spec.flag, { value: negated === null ? 'true' : 'false', source: `--${name}` });
      continue;
    }
    if (negated !== null) throw new OptionError(`--${name} is not an option (see --help).`);
    const value = inline ?? argv[index + 1];
    if (value === undefined || (inline === undefined && value.startsWith('--')))
      throw new OptionError(`--${spec.flag} needs a value.`);
    if (inline === undefined) index += 1;
    raw.set(spec.flag, { value, source: `--${spec.flag}` });
  }
  return raw;
}

export class OptionReader {
  constructor(private readonly raw: Raw) {}

  string(flag: string): string | undefined {
    return this.raw.get(flag)?.value;
  }

  source(flag: string): string {
    return this.raw.get(flag)?.source ?? `--${flag}`;
  }

  integer(flag: string, fallback: number, min: number, max: number): number {
    const text = this.string(flag);
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max)
      throw new OptionError(
        `${this.source(flag)} must be a whole number from ${min} to ${max}, got "${text}".`,
      );
    return Number(text);
  }

  number(flag: string, min: number, max: number): number | undefined {
    const text = this.string(flag);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max)
      throw new OptionError(
        `${this.source(flag)} must be a number from ${min} to ${max}, got "${text}".`,
      );
    return value;
  }

  boolean(flag: string, fallback: boolean): boolean {
    const text = this.string(flag)?.toLowerCase();
    if (text === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(text)) return true;
    if (['false', '0', 'no', 'off'].includes(text)) return false;
    throw new OptionError(`${this.source(flag)} must be true or false, got "${text}".`);
  }

  url(flag: string): string | undefined {
    const text = this.string(flag);
    if (text === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      throw new OptionError(`${this.source(flag)} must be a URL, got "${text}".`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new OptionError(`${this.source(flag)} must be an http or https URL.`);
    return text.replace(/\/+$/, '');
  }
}

function isOff(text: string): boolean {
  return ['off', 'none', 'false', '0'].includes(text.toLowerCase());
}

/** `150` (fixed) or `p50=150,p99=600`. */
function latencyOption(read: OptionReader): LatencySetting | null {
  const text = read.string('latency');
  if (text === undefined || isOff(text)) return null;
  const bad = (): never => {
    throw new OptionError(
      `${read.source('latency')} must be MS or p50=MS,p99=MS (or off), got "${text}".`,
    );
  };
  if (/^\d+(\.\d+)?$/.test(text)) return { fixedMs: Number(text) };
  const parts = new Map<string, number>();
  for (const part of text.split(',')) {
    const match = /^\s*(p50|p99)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (match === null) bad();
    parts.set(match![1], Number(match![2]));
  }
  if (!parts.has('p50')) bad();
  const p50Ms = parts.get('p50') as number;
  const p99Ms = parts.get('p99') ?? p50Ms;
  if (p99Ms < p50Ms) throw new OptionError(`${read.source('latency')}: p99 must be at least p50.`);
  return { p50Ms, p99Ms };
}

function rateLimitOption(read: OptionReader): RealismOptions['rateLimit'] {
  const text = read.string('rate-limit');
  if (text === undefined || isOff(text)) return null;
  if (text === 'stripe') return 'stripe';
  if (/^\d+$/.test(text) && Number(text) >= 1) return Number(text);
  throw new OptionError(
    `${read.source('rate-limit')} must be stripe, a number per second, or off, got "${text}".`,
  );
}

function faultOption(read: OptionReader): FaultSetting | null {
  const rate = read.number('fault-rate', 0, 1) ?? 0;
  if (rate === 0) return null;
  const kinds = (read.string('faults') ?? '500,503').split(',').map((kind) => kind.trim());
  for (const kind of kinds)
    if (!(FAULT_KINDS as readonly string[]).includes(kind))
      throw new OptionError(
        `${read.source('faults')} must list ${FAULT_KINDS.join(', ')}; got "${kind}".`,
      );
  const phase = read.string('fault-phase') ?? 'both';
  if (!(FAULT_PHASES as readonly string[]).includes(phase))
    throw new OptionError(
      `${read.source('fault-phase')} must be one of ${FAULT_PHASES.join(', ')}.`,
    );
  return {
    rate,
    kinds: kinds as FaultKind[],
    phase: phase as FaultPhase,
    timeoutMs: read.integer('fault-timeout', DEFAULT_FAULT_TIMEOUT_MS, 0, 600_000),
  };
}

function webhookOptions(read: OptionReader): Partial<WebhookDeliveryOptions> {
  const schedule = read.string('webhook-retries') ?? 'fixed';
  if (!(RETRY_SCHEDULES as readonly string[]).includes(schedule))
    throw new OptionError(
      `${read.source('webhook-retries')} must be one of ${RETRY_SCHEDULES.join(', ')}.`,
    );
  return {
    delayMs: read.integer('webhook-delay', 0, 0, 3_600_000),
    jitterMs: read.integer('webhook-jitter', 0, 0, 3_600_000),
    retrySchedule: schedule as RetrySchedule,
  };
}

export function parseServiceOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  defaultCatalog: string,
): ServiceOptions {
  const read = new OptionReader(collect(argv, env));
  const seed = read.boolean('seed', true);
  const apiKey = read.string('api-key');
  if (apiKey !== undefined && !/^(sk|rk)_(test|live)_\w+$/.test(apiKey))
    throw new OptionError(`${read.source('api-key')} must be a secret key (sk_test_…, sk_live_…).`);
  return {
    help: read.boolean('help', false),
    seed,
    emulator: {
      port: read.integer('port', 12111, 0, 65535),
      host: read.string('host') ?? '127.0.0.1',
      dataDir: read.string('data-dir'),
      publicUrl: read.url('public-url'),
      catalogFile: seed ? (read.string('catalog') ?? defaultCatalog) : undefined,
      apiKey,
      fsync: read.boolean('fsync', false),
      realism: {
        latency: latencyOption(read),
        rateLimit: rateLimitOption(read),
        locks: lockOption(read),
        faults: faultOption(read),
      },
      webhooks: webhookOptions(read),
    },
  };
}

function lockOption(read: OptionReader): RealismOptions['locks'] {
  const text = read.string('lock-timeout');
  if (text === undefined || text.toLowerCase() === 'off') return null;
  return { waitMs: read.integer('lock-timeout', 0, 0, 60_000) };
}

export function usage(): string {
  const rows = OPTION_SPECS.map((spec) => {
    const flag = spec.value === undefined ? `--${spec.flag}` : `--${spec.flag} ${spec.value}`;
    const env = spec.env === '' ? '' : ` (${spec.env})`;
    const fallback = spec.fallback === undefined ? '' : ` [default: ${spec.fallback}]`;
    return `  ${flag.padEnd(26)}${spec.help}${env}${fallback}`;
  });
  return [
    'Stripe emulator: a stateful, local Stripe API for the official SDKs.',
    '',
    'Usage: npm run emulator -- [options]',
    '',
    'Options (each also from its environment variable; a flag wins):',
    ...rows,
    '',
    'Control API under /_emulator/ (see emulator/README.md).',
  ].join('\n');
}
