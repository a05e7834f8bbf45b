import { isUUID } from 'class-validator';

/** Where a billing-history page ended: the last row's sort key (occurredAt desc, id desc). */
export interface PaymentCursor {
  occurredAt: Date;
  id: string;
}

const SEPARATOR = '|';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Cursors are opaque to clients: base64url of the sort key, so the encoding can change
 * without breaking anyone who only passes them back.
 */
export function encodePaymentCursor(cursor: PaymentCursor): string {
  return Buffer.from(`${cursor.occurredAt.toISOString()}${SEPARATOR}${cursor.id}`, 'utf8').toString(
    'base64url',
  );
}

/** The cursor a client sent back, or null when it is not one this service produced. */
export function decodePaymentCursor(value: string): PaymentCursor | null {
  if (!BASE64URL.test(value) || value.length > 200) return null;
  const text = Buffer.from(value, 'base64url').toString('utf8');
  const parts = text.split(SEPARATOR);
  if (parts.length !== 2) return null;
  const [at, id] = parts;
  // Only the exact form encodePaymentCursor writes: Date.parse accepts far looser strings.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(at) || !isUUID(id)) return null;
  const occurredAt = new Date(at);
  if (Number.isNaN(occurredAt.getTime()) || occurredAt.toISOString() !== at) return null;
  return { occurredAt, id: id.toLowerCase() };
}
