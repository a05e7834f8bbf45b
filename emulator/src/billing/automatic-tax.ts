import type Stripe from 'stripe';
import { newId } from '../store/ids';
import type { EmulatorCore } from './emulator-core';

/**
 * Stripe Tax, emulated with a fixed rate table by the customer's country (and, in the US, state).
 * Real Stripe Tax knows every jurisdiction, product tax code and registration; the emulator knows
 * this table and nothing else, which is enough to see tax computed, shown and paid end to end.
 * Prices are treated as tax-exclusive (Stripe's default `tax_behavior` for Stripe Tax).
 */
export interface AutomaticRateEntry {
  percentage: number;
  displayName: string;
  taxType: Stripe.TaxRate.TaxType;
}

/** Country (ISO 3166-1 alpha-2) → rate. Countries not listed are taxed at 0 % (not collecting). */
export const AUTOMATIC_TAX_COUNTRIES: Readonly<Record<string, AutomaticRateEntry>> = {
  AT: { percentage: 20, displayName: 'VAT', taxType: 'vat' },
  AU: { percentage: 10, displayName: 'GST', taxType: 'gst' },
  BE: { percentage: 21, displayName: 'VAT', taxType: 'vat' },
  CA: { percentage: 5, displayName: 'GST', taxType: 'gst' },
  CH: { percentage: 8.1, displayName: 'VAT', taxType: 'vat' },
  DE: { percentage: 19, displayName: 'VAT', taxType: 'vat' },
  ES: { percentage: 21, displayName: 'VAT', taxType: 'vat' },
  FR: { percentage: 20, displayName: 'VAT', taxType: 'vat' },
  GB: { percentage: 20, displayName: 'VAT', taxType: 'vat' },
  IE: { percentage: 23, displayName: 'VAT', taxType: 'vat' },
  IT: { percentage: 22, displayName: 'VAT', taxType: 'vat' },
  NL: { percentage: 21, displayName: 'VAT', taxType: 'vat' },
  NO: { percentage: 25, displayName: 'VAT', taxType: 'vat' },
  SE: { percentage: 25, displayName: 'VAT', taxType: 'vat' },
};

/** US states where the emulated account is registered; every other state is 0 %. */
export const AUTOMATIC_TAX_US_STATES: Readonly<Record<string, AutomaticRateEntry>> = {
  CA: { percentage: 7.25, displayName: 'Sales Tax', taxType: 'sales_tax' },
  NY: { percentage: 4, displayName: 'Sales Tax', taxType: 'sales_tax' },
  TX: { percentage: 6.25, displayName: 'Sales Tax', taxType: 'sales_tax' },
  WA: { percentage: 6.5, displayName: 'Sales Tax', taxType: 'sales_tax' },
};

const ZERO: AutomaticRateEntry = { percentage: 0, displayName: 'Tax', taxType: 'sales_tax' };

/**
 * Whether an address is enough for Stripe Tax: a country, and in the US and Canada also a postal
 * code (Stripe's minimum for those countries).
 */
export function isTaxLocation(address: Stripe.Address | null | undefined): boolean {
  const country = address?.country ?? null;
  if (country === null || !/^[A-Z]{2}$/.test(country)) return false;
  if (country === 'US' || country === 'CA')
    return address?.postal_code != null && address.postal_code !== '';
  return true;
}

/** The table's entry for a location (0 % where the emulated account collects no tax). */
export function automaticRateEntry(address: Stripe.Address): {
  entry: AutomaticRateEntry;
  jurisdiction: string;
  state: string | null;
} {
  const country = address.country ?? '';
  if (country === 'US') {
    const state = (address.state ?? '').toUpperCase();
    const entry = AUTOMATIC_TAX_US_STATES[state];
    return entry === undefined
      ? { entry: ZERO, jurisdiction: 'US', state: null }
      : { entry, jurisdiction: `US-${state}`, state };
  }
  return { entry: AUTOMATIC_TAX_COUNTRIES[country] ?? ZERO, jurisdiction: country, state: null };
}

/** What Stripe Tax decided for one customer location. */
export type AutomaticTaxOutcome =
  { status: 'complete'; rate: Stripe.TaxRate } | { status: 'requires_location_inputs'; rate: null };

const MARKER = 'Stripe Tax (emulated)';

/**
 * Resolves a location to a tax rate object (`txr_…`), made once per jurisdiction and reused, as
 * the rates behind Stripe Tax's line taxes are.
 */
export class AutomaticTaxService {
  constructor(private readonly core: EmulatorCore) {}

  outcomeFor(address: Stripe.Address | null | undefined): AutomaticTaxOutcome {
    if (address === null || address === undefined || !isTaxLocation(address))
      return { status: 'requires_location_inputs', rate: null };
    return { status: 'complete', rate: this.rateFor(address) };
  }

  private rateFor(address: Stripe.Address): Stripe.TaxRate {
    const { entry, jurisdiction, state } = automaticRateEntry(address);
    const known = this.core.state.automaticTaxRates.get(jurisdiction);
    const existing = known === undefined ? undefined : this.core.state.taxRates.get(known);
    if (existing !== undefined) return existing;
    const rate: Stripe.TaxRate = {
      id: newId('txr'),
      object: 'tax_rate',
      active: true,
      country: address.country,
      created: this.core.clock.globalNow(),
      description: MARKER,
      display_name: entry.displayName,
      effective_percentage: entry.percentage,
      flat_amount: null,
      inclusive: false,
      jurisdiction,
      jurisdiction_level: state === null ? 'country' : 'state',
      livemode: false,
      metadata: {},
      percentage: entry.percentage,
      rate_type: 'percentage',
      state,
      tax_type: entry.taxType,
    };
    this.core.state.taxRates.put(rate);
    this.core.state.automaticTaxRates.set(jurisdiction, rate.id);
    return rate;
  }
}

/** Whether a tax rate is one of Stripe Tax's (taxability is reported differently for them). */
export function isAutomaticRate(rate: Stripe.TaxRate): boolean {
  return rate.description === MARKER;
}
