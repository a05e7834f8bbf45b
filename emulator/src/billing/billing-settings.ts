import { invalidRequest } from '../http/stripe-error';
import type { EmulatorState } from '../store/emulator-state';
import { SECONDS_PER_DAY } from './billing-periods';

/**
 * The account's Billing settings that Stripe keeps in its Dashboard (not in the API): when the
 * `invoice.upcoming` notice goes out, how long a renewal draft waits before it is finalized, how
 * failed payments are retried, and what happens when the retries run out.
 */
export interface BillingSettings {
  /** `invoice.upcoming` is sent this many days before a renewal; 0 turns it off. */
  upcomingRenewalDays: number;
  /** A renewal invoice stays a draft this long (Stripe: about an hour) before it is finalized. */
  finalizationDelaySeconds: number;
  /** Failed subscription payments are retried this many times, spread over this many days. */
  retries: { attempts: number; windowDays: number };
  /** When the last retry fails: the subscription's and the invoice's fate. */
  afterRetries: {
    subscription: 'cancel' | 'unpaid' | 'past_due';
    invoice: 'past_due' | 'uncollectible';
  };
}

/** Any part of the settings (nested objects may be partial too). */
export type BillingSettingsPatch = {
  [K in keyof BillingSettings]?: BillingSettings[K] extends object
    ? Partial<BillingSettings[K]>
    : BillingSettings[K];
};

/**
 * Stripe's defaults: Smart Retries' recommended 8 tries within 2 weeks, then cancel the
 * subscription and leave the invoice past due; drafts finalized an hour after creation. Stripe
 * does not document a default for the upcoming-renewal notice; 7 days is the emulator's.
 */
export const DEFAULT_BILLING_SETTINGS: BillingSettings = {
  upcomingRenewalDays: 7,
  finalizationDelaySeconds: 3600,
  retries: { attempts: 8, windowDays: 14 },
  afterRetries: { subscription: 'cancel', invoice: 'past_due' },
};

const SETTINGS_KEY = 'billing';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function wholeNumber(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw invalidRequest(
      `\`${name}\` must be a whole number from ${min} to ${max}.`,
      'parameter_invalid',
      name,
    );
  return value;
}

function oneOf<T extends string>(value: unknown, name: string, values: readonly T[]): T {
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value))
    throw invalidRequest(
      `\`${name}\` must be one of ${values.join(', ')}.`,
      'parameter_invalid',
      name,
    );
  return value as T;
}

/** Applies a partial settings document (control API JSON, start options) to `base`, checking it. */
export function mergeBillingSettings(base: BillingSettings, patch: unknown): BillingSettings {
  if (!isRecord(patch)) throw invalidRequest('Billing settings must be a JSON object.');
  const known = ['upcomingRenewalDays', 'finalizationDelaySeconds', 'retries', 'afterRetries'];
  for (const key of Object.keys(patch))
    if (!known.includes(key))
      throw invalidRequest(`Unknown billing setting: ${key}`, 'parameter_unknown', key);
  const next: BillingSettings = structuredClone(base);
  if (patch.upcomingRenewalDays !== undefined)
    next.upcomingRenewalDays = wholeNumber(patch.upcomingRenewalDays, 'upcomingRenewalDays', 0, 60);
  if (patch.finalizationDelaySeconds !== undefined)
    next.finalizationDelaySeconds = wholeNumber(
      patch.finalizationDelaySeconds,
      'finalizationDelaySeconds',
      0,
      3 * SECONDS_PER_DAY,
    );
  if (patch.retries !== undefined) {
    if (!isRecord(patch.retries)) throw invalidRequest('`retries` must be an object.');
    if (patch.retries.attempts !== undefined)
      next.retries.attempts = wholeNumber(patch.retries.attempts, 'retries.attempts', 0, 20);
    if (patch.retries.windowDays !== undefined)
      next.retries.windowDays = wholeNumber(patch.retries.windowDays, 'retries.windowDays', 1, 60);
  }
  if (patch.afterRetries !== undefined) {
    if (!isRecord(patch.afterRetries)) throw invalidRequest('`afterRetries` must be an object.');
    if (patch.afterRetries.subscription !== undefined)
      next.afterRetries.subscription = oneOf(
        patch.afterRetries.subscription,
        'afterRetries.subscription',
        ['cancel', 'unpaid', 'past_due'] as const,
      );
    if (patch.afterRetries.invoice !== undefined)
      next.afterRetries.invoice = oneOf(patch.afterRetries.invoice, 'afterRetries.invoice', [
        'past_due',
        'uncollectible',
      ] as const);
  }
  return next;
}

/**
 * The settings in force: the emulator's start options over Stripe's defaults, then whatever the
 * control API set (kept in the state, so a reset returns to the start options).
 */
export class BillingSettingsStore {
  private readonly base: BillingSettings;

  constructor(
    private readonly state: EmulatorState,
    startOptions: unknown = {},
  ) {
    this.base = mergeBillingSettings(DEFAULT_BILLING_SETTINGS, startOptions);
  }

  current(): BillingSettings {
    return this.state.billingSettings.get(SETTINGS_KEY) ?? this.base;
  }

  update(patch: unknown): BillingSettings {
    const next = mergeBillingSettings(this.current(), patch);
    this.state.billingSettings.set(SETTINGS_KEY, next);
    return next;
  }

  /** When each retry of a payment that first failed at `firstFailure` happens. */
  retryTimes(firstFailure: number): number[] {
    const { attempts, windowDays } = this.current().retries;
    const window = windowDays * SECONDS_PER_DAY;
    return Array.from({ length: attempts }, (_, index) =>
      Math.round(firstFailure + (window * (index + 1)) / attempts),
    );
  }
}
