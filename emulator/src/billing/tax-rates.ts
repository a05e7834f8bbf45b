import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import { invalidRequest, parameterInvalid, resourceMissing } from '../http/stripe-error';
import { newId } from '../store/ids';
import type { EmulatorCore } from './emulator-core';

export const TAX_TYPES = [
  'admissions_tax',
  'amusement_tax',
  'attendance_tax',
  'communications_tax',
  'digital_excise_tax',
  'entertainment_tax',
  'get_fund',
  'gross_receipts_tax',
  'gst',
  'hospitality_tax',
  'hst',
  'igst',
  'jct',
  'lease_tax',
  'luxury_tax',
  'mass_transit_parking_tax',
  'nhil',
  'parking_tax',
  'pst',
  'qst',
  'resort_tax',
  'retail_delivery_fee',
  'rst',
  'sales_tax',
  'service_tax',
  'tourism_tax',
  'utility_users_tax',
  'vat',
] as const;

export interface TaxRateInput {
  displayName?: string;
  percentage?: number;
  inclusive?: boolean;
  active?: boolean;
  country?: string;
  state?: string;
  jurisdiction?: string;
  description?: string;
  taxType?: Stripe.TaxRate.TaxType;
  metadata?: Record<string, string>;
}

/** One line's tax under one rate. */
export interface LineTax {
  rate: Stripe.TaxRate;
  amount: number;
  taxableAmount: number;
}

/**
 * Tax rates (`txr_…`): percentages applied to invoice lines, added on top (exclusive) or
 * contained in the price (inclusive). Stripe Tax's automatic calculation is not emulated.
 */
export class TaxRateService {
  constructor(private readonly core: EmulatorCore) {}

  private now(): number {
    return this.core.clock.globalNow();
  }

  get(id: string, param = 'id'): Stripe.TaxRate {
    const rate = this.core.state.taxRates.get(id);
    if (rate === undefined) throw resourceMissing('tax_rate', id, param);
    return rate;
  }

  /** Tax rates a subscription or invoice may use: they must exist and be active. */
  resolve(ids: readonly string[], param: string): Stripe.TaxRate[] {
    return ids.map((id, index) => {
      const rate = this.get(id, `${param}[${index}]`);
      if (!rate.active)
        throw invalidRequest(
          `Tax rate ${id} is inactive and cannot be applied.`,
          'parameter_invalid',
          `${param}[${index}]`,
        );
      return rate;
    });
  }

  create(input: TaxRateInput): Stripe.TaxRate {
    const percentage = input.percentage ?? 0;
    if (percentage < 0 || percentage > 100)
      throw parameterInvalid('percentage', 'The percentage must be between 0 and 100.');
    const now = this.now();
    const rate: Stripe.TaxRate = {
      id: newId('txr'),
      object: 'tax_rate',
      active: input.active ?? true,
      country: input.country ?? null,
      created: now,
      description: input.description ?? null,
      display_name: input.displayName ?? '',
      effective_percentage: percentage,
      flat_amount: null,
      inclusive: input.inclusive ?? false,
      jurisdiction: input.jurisdiction ?? null,
      jurisdiction_level: null,
      livemode: false,
      metadata: input.metadata ?? {},
      percentage,
      rate_type: 'percentage',
      state: input.state ?? null,
      tax_type: input.taxType ?? null,
    };
    this.core.state.taxRates.put(rate);
    this.core.events.emit('tax_rate.created', rate, now);
    return rate;
  }

  /** Stripe lets a tax rate's labels change, never its percentage or inclusiveness. */
  update(id: string, input: TaxRateInput): Stripe.TaxRate {
    const rate = this.get(id);
    const before = structuredClone(rate);
    if (input.active !== undefined) rate.active = input.active;
    if (input.country !== undefined) rate.country = input.country;
    if (input.state !== undefined) rate.state = input.state;
    if (input.jurisdiction !== undefined) rate.jurisdiction = input.jurisdiction;
    if (input.description !== undefined) rate.description = input.description;
    if (input.displayName !== undefined) rate.display_name = input.displayName;
    if (input.taxType !== undefined) rate.tax_type = input.taxType;
    if (input.metadata !== undefined) rate.metadata = input.metadata;
    const previous = changedAttributes(before, rate);
    if (Object.keys(previous).length > 0)
      this.core.events.emit('tax_rate.updated', rate, this.now(), previous);
    return rate;
  }
}

/**
 * The tax each rate puts on an amount (already net of discounts): exclusive rates add their
 * percentage on top; inclusive ones are the part of the amount the rate accounts for.
 */
export function taxesOn(amount: number, rates: readonly Stripe.TaxRate[]): LineTax[] {
  if (amount <= 0) return [];
  return rates.map((rate) => {
    if (rate.inclusive) {
      const tax = Math.round(amount - amount / (1 + rate.percentage / 100));
      return { rate, amount: tax, taxableAmount: amount - tax };
    }
    return { rate, amount: Math.round((amount * rate.percentage) / 100), taxableAmount: amount };
  });
}
