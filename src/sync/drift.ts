/** What a resync found out of step with Stripe, by kind, with the Stripe ids it repaired. */
export interface DriftReport {
  products: string[];
  prices: string[];
  subscriptions: string[];
  payments: string[];
  checkoutSessions: string[];
  purchases: string[];
}

export type DriftKind = keyof DriftReport;

export const emptyDrift = (): DriftReport => ({
  products: [],
  prices: [],
  subscriptions: [],
  payments: [],
  checkoutSessions: [],
  purchases: [],
});

/** A row's state as comparable text; null when the row is missing. */
export type Snapshot = string | null;

export function snapshotOf(row: object | null): Snapshot {
  if (row === null) return null;
  return JSON.stringify(row, (_, value: unknown) =>
    value instanceof Date ? value.toISOString() : value,
  );
}
