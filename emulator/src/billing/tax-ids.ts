import type Stripe from 'stripe';
import { invalidRequest, resourceMissing } from '../http/stripe-error';
import { newId } from '../store/ids';
import type { CustomerService } from './customers';
import type { EmulatorCore } from './emulator-core';

/** Stripe's limit of tax ids per customer. */
export const MAX_TAX_IDS_PER_CUSTOMER = 25;

const EU_VAT_COUNTRIES =
  'AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI';

/**
 * The tax id types the emulator validates, with the format of each (Stripe's own examples match
 * them). The country a type implies is what Stripe reports in `country`; for `eu_vat` it is the
 * value's prefix (`EL` is Greece, `XI` Northern Ireland).
 */
export const TAX_ID_FORMATS: Readonly<
  Record<string, { pattern: RegExp; country: (value: string) => string; verifiable: boolean }>
> = {
  eu_vat: {
    // DE and FR have fixed shapes; the other member states take 8 to 12 digits or letters.
    pattern: new RegExp(
      `^(DE\\d{9}|FR[0-9A-Z]{2}\\d{9}|(?!DE|FR)(${EU_VAT_COUNTRIES})[0-9A-Z]{8,12})$`,
    ),
    country: (value) => {
      const prefix = value.slice(0, 2);
      return prefix === 'EL' ? 'GR' : prefix === 'XI' ? 'GB' : prefix;
    },
    verifiable: true,
  },
  gb_vat: { pattern: /^GB(\d{9}|\d{12})$/, country: () => 'GB', verifiable: true },
  us_ein: { pattern: /^\d{2}-\d{7}$/, country: () => 'US', verifiable: false },
  au_abn: { pattern: /^\d{11}$/, country: () => 'AU', verifiable: true },
  ca_bn: { pattern: /^\d{9}$/, country: () => 'CA', verifiable: false },
  ch_vat: {
    pattern: /^CHE-\d{3}\.\d{3}\.\d{3} (MWST|TVA|IVA)$/,
    country: () => 'CH',
    verifiable: false,
  },
  no_vat: { pattern: /^\d{9}MVA$/, country: () => 'NO', verifiable: false },
};

export const TAX_ID_TYPES = Object.keys(TAX_ID_FORMATS);

/** A value as Stripe stores it: upper case, without spaces (Stripe normalises the same way). */
function normalise(type: string, value: string): string {
  return type === 'ch_vat' ? value.trim().toUpperCase() : value.replace(/\s+/g, '').toUpperCase();
}

/** Customers' tax ids: created, listed, deleted; each emits `customer.tax_id.*`. */
export class TaxIdService {
  constructor(
    private readonly core: EmulatorCore,
    private readonly customers: CustomerService,
  ) {}

  get(id: string, param = 'id'): Stripe.TaxId {
    const taxId = this.core.state.taxIds.get(id);
    if (taxId === undefined) throw resourceMissing('tax_id', id, param);
    return taxId;
  }

  /** One of the customer's tax ids (another customer's is as missing as an unknown one). */
  getFor(customerId: string, id: string): Stripe.TaxId {
    this.customers.get(customerId, 'customer');
    const taxId = this.get(id);
    if (taxId.customer !== customerId) throw resourceMissing('tax_id', id);
    return taxId;
  }

  listFor(customerId: string): Stripe.TaxId[] {
    return [...this.core.state.taxIds.values()].filter((taxId) => taxId.customer === customerId);
  }

  /** Checks a type and value as Stripe does, before anything is written. */
  validate(type: string, value: string, param = 'value'): string {
    const format = TAX_ID_FORMATS[type];
    if (format === undefined)
      throw invalidRequest(
        `Invalid value for type: ${type} is not one of the tax id types the Stripe emulator supports (${TAX_ID_TYPES.join(', ')}).`,
        'parameter_invalid',
        'type',
      );
    const normalised = normalise(type, value);
    if (!format.pattern.test(normalised))
      throw invalidRequest(`Invalid value for ${type}.`, 'tax_id_invalid', param);
    return normalised;
  }

  create(customerId: string, type: string, value: string): Stripe.TaxId {
    const customer = this.customers.get(customerId, 'customer');
    const normalised = this.validate(type, value);
    if (this.listFor(customerId).length >= MAX_TAX_IDS_PER_CUSTOMER)
      throw invalidRequest(
        `A customer can have at most ${MAX_TAX_IDS_PER_CUSTOMER} tax IDs.`,
        'tax_id_limit_exceeded',
      );
    const format = TAX_ID_FORMATS[type];
    const now = this.core.nowFor(customer.id);
    const taxId: Stripe.TaxId = {
      id: newId('txi', 24),
      object: 'tax_id',
      country: format.country(normalised),
      created: now,
      customer: customer.id,
      customer_account: null,
      livemode: false,
      owner: { customer: customer.id, customer_account: null, type: 'customer' },
      type: type,
      value: normalised,
      // Government registries are not consulted: a verifiable id stays pending.
      verification: {
        status: format.verifiable ? 'pending' : 'unavailable',
        verified_address: null,
        verified_name: null,
      },
    };
    this.core.state.taxIds.put(taxId);
    this.core.events.emit('customer.tax_id.created', taxId, now);
    return taxId;
  }

  delete(customerId: string, id: string): Stripe.DeletedTaxId {
    const taxId = this.getFor(customerId, id);
    this.core.state.taxIds.delete(id);
    this.core.events.emit('customer.tax_id.deleted', taxId, this.core.nowFor(customerId));
    return { id, object: 'tax_id', deleted: true };
  }

  /** A deleted customer's tax ids go with it (Stripe sends no event for each). */
  dropFor(customerId: string): void {
    for (const taxId of this.listFor(customerId)) this.core.state.taxIds.delete(taxId.id);
  }
}
