import { createHash } from 'node:crypto';

/** A short digest of a row, stable for equal content (Dates as ISO text). */
export function digestOf(value: unknown): string {
  const text = JSON.stringify(value, (_, v: unknown) => (v instanceof Date ? v.toISOString() : v));
  return createHash('sha1').update(text).digest('base64url').slice(0, 22);
}
