import { decodePaymentCursor, encodePaymentCursor } from '../../src/payments/payment-cursor';
import { parseInstant } from '../../src/payments/dto/payments.dto';

const ID = '3f1c1f0e-8f9c-4a59-9a43-2d1f8b0f6c11';

describe('payment cursors', () => {
  it('round-trips the sort key to the millisecond', () => {
    const cursor = { occurredAt: new Date('2026-01-15T10:00:00.123Z'), id: ID };
    const encoded = encodePaymentCursor(cursor);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePaymentCursor(encoded)).toEqual(cursor);
  });

  it('reads an upper-case id as the same row', () => {
    const encoded = Buffer.from(`2026-01-15T10:00:00.000Z|${ID.toUpperCase()}`).toString(
      'base64url',
    );
    expect(decodePaymentCursor(encoded)?.id).toBe(ID);
  });

  it.each([
    ['an empty string', ''],
    ['characters outside base64url', 'abc+/='],
    ['text that is not a cursor', Buffer.from('hello').toString('base64url')],
    ['a cursor without an id', Buffer.from('2026-01-15T10:00:00.000Z|').toString('base64url')],
    ['an id that is not a UUID', Buffer.from('2026-01-15T10:00:00.000Z|42').toString('base64url')],
    ['a loose date', Buffer.from(`2026-01-15|${ID}`).toString('base64url')],
    ['an impossible date', Buffer.from(`2026-02-30T10:00:00.000Z|${ID}`).toString('base64url')],
    ['extra parts', Buffer.from(`2026-01-15T10:00:00.000Z|${ID}|x`).toString('base64url')],
    ['a very long value', 'A'.repeat(500)],
  ])('refuses %s', (_, value) => {
    expect(decodePaymentCursor(value)).toBeNull();
  });
});

describe('parseInstant (from/to)', () => {
  it('reads a bare date as midnight UTC', () => {
    expect(parseInstant('2026-03-01').toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });

  it('reads a date-time without an offset as UTC, and honours an offset', () => {
    expect(parseInstant('2026-03-01T10:30').toISOString()).toBe('2026-03-01T10:30:00.000Z');
    expect(parseInstant('2026-03-01T10:30:00+02:00').toISOString()).toBe(
      '2026-03-01T08:30:00.000Z',
    );
    expect(parseInstant('2026-03-01T10:30:00.250Z').toISOString()).toBe('2026-03-01T10:30:00.250Z');
  });
});
