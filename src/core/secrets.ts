/** Comparing secrets (token codes, signatures, CSRF tokens) without telling, by timing, how much matched. */

/**
 * True when `a` and `b` are the same non-empty string. Every character is compared whatever the
 * first difference, so the time taken says nothing of where it lies (only of the length, which is
 * not secret for any value we compare: codes, base64 signatures and tokens have fixed lengths).
 */
export function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length || a.length === 0) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
