import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time comparison; hashing first makes the lengths equal and hides the real one. */
export function adminKeyMatches(sent: string, expected: string | undefined): boolean {
  if (expected === undefined) return false;
  const a = createHash('sha256').update(sent).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
