import type { DriftSection } from '../kinds/kind';

/** What a resync found out of step with Stripe, by section, with the Stripe ids it repaired. */
export type DriftReport = Record<DriftSection, string[]>;

export const DRIFT_SECTIONS: readonly DriftSection[] = [
  'products',
  'prices',
  'subscriptions',
  'payments',
  'checkoutSessions',
  'purchases',
  'invoices',
  'paymentMethods',
];

export const emptyDrift = (): DriftReport => ({
  products: [],
  prices: [],
  subscriptions: [],
  payments: [],
  checkoutSessions: [],
  purchases: [],
  invoices: [],
  paymentMethods: [],
});

/** Rows as comparable text (Dates as ISO); null when missing. */
export function comparable(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return JSON.stringify(value, (_, v: unknown) => (v instanceof Date ? v.toISOString() : v));
}

/** The sections whose rows differ between two snapshots of one object. */
export function driftedSections(
  before: Partial<Record<DriftSection, unknown>>,
  after: Partial<Record<DriftSection, unknown>>,
): DriftSection[] {
  return DRIFT_SECTIONS.filter(
    (section) => comparable(before[section]) !== comparable(after[section]),
  );
}
