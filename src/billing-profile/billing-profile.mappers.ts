import type Stripe from 'stripe';
import type { BillingProfileDto } from './dto/billing-profile.dto';
import type { BillingAddressInputDto, TaxIdInputDto } from './dto/billing-profile.dto';

/** The account's mirrored billing fields, as the repository reads them. */
export interface BillingProfileRow {
  email: string | null;
  billingName: string | null;
  billingAddressLine1: string | null;
  billingAddressLine2: string | null;
  billingAddressCity: string | null;
  billingAddressState: string | null;
  billingAddressPostalCode: string | null;
  billingAddressCountry: string | null;
}

export interface TaxIdRow {
  stripeId: string;
  type: string;
  value: string;
  country: string | null;
  verificationStatus: string | null;
}

export function toBillingProfileDto(row: BillingProfileRow, taxIds: TaxIdRow[]): BillingProfileDto {
  const address = {
    line1: row.billingAddressLine1,
    line2: row.billingAddressLine2,
    city: row.billingAddressCity,
    state: row.billingAddressState,
    postalCode: row.billingAddressPostalCode,
    country: row.billingAddressCountry,
  };
  return {
    name: row.billingName,
    email: row.email,
    address: Object.values(address).every((part) => part === null) ? null : address,
    taxIds: taxIds.map((taxId) => ({
      id: taxId.stripeId,
      type: taxId.type,
      value: taxId.value,
      country: taxId.country,
      verificationStatus: taxId.verificationStatus,
    })),
  };
}

/**
 * Stripe's address parameters: the address is replaced as a whole, so the parts left out are
 * not sent (and end up empty); `''` unsets the address (Stripe's way of clearing a field).
 */
export function toStripeAddress(address: BillingAddressInputDto | null): Stripe.AddressParam | '' {
  if (address === null) return '';
  const parts: Stripe.AddressParam = { country: address.country };
  if (address.line1 !== undefined) parts.line1 = address.line1;
  if (address.line2 !== undefined) parts.line2 = address.line2;
  if (address.city !== undefined) parts.city = address.city;
  if (address.state !== undefined) parts.state = address.state;
  if (address.postalCode !== undefined) parts.postal_code = address.postalCode;
  return parts;
}

/** Two spellings of one tax id: Stripe stores values upper case without spaces. */
const keyOf = (type: string, value: string): string =>
  `${type}:${value.replace(/[\s]+/g, '').toUpperCase()}`;

export interface TaxIdPlan {
  add: TaxIdInputDto[];
  /** Stripe ids of the tax ids to delete. */
  remove: string[];
}

/**
 * What turns the customer's tax ids into `wanted`: the ones already there are kept (so their
 * verification is not lost), the others added, the ones not wanted deleted. A tax id given twice
 * is added once.
 */
export function planTaxIds(
  existing: readonly { id: string; type: string; value: string }[],
  wanted: readonly TaxIdInputDto[],
): TaxIdPlan {
  const wantedKeys = new Set<string>();
  const add: TaxIdInputDto[] = [];
  const existingKeys = new Set(existing.map((taxId) => keyOf(taxId.type, taxId.value)));
  for (const taxId of wanted) {
    const key = keyOf(taxId.type, taxId.value);
    if (wantedKeys.has(key)) continue;
    wantedKeys.add(key);
    if (!existingKeys.has(key)) add.push(taxId);
  }
  const remove = existing
    .filter((taxId) => !wantedKeys.has(keyOf(taxId.type, taxId.value)))
    .map((taxId) => taxId.id);
  return { add, remove };
}
