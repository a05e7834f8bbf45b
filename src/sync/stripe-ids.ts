/** Stripe fields that hold either an id or the expanded object. */
export type Expandable<T extends { id: string }> = string | T | null | undefined;

export function idOf<T extends { id: string }>(value: Expandable<T>): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : value.id;
}

export const fromUnix = (seconds: number | null | undefined): Date | null =>
  seconds === null || seconds === undefined ? null : new Date(seconds * 1000);
