/**
 * Security-token codes: RFC 6238 TOTP, HMAC-SHA-1, 6 digits, 30-second step (otpauth, which runs
 * on Node and Workers alike).
 */
import { HOTP, Secret } from 'otpauth';
import { normaliseDigits } from './identifiers.js';
import { sameSecret } from './secrets.js';

export const STEP_SECONDS = 30;
/** Steps accepted around the current one: t-2 .. t+1 (DESIGN.md). */
export const WINDOW_BEFORE = 2;
export const WINDOW_AFTER = 1;

/** The TOTP step (counter) at `now`. */
export function stepAt(now: Date): number {
  return Math.floor(now.getTime() / 1000 / STEP_SECONDS);
}

function codeForStep(secret: Secret, step: number): string {
  return HOTP.generate({ secret, algorithm: 'SHA1', digits: 6, counter: step });
}

/** The 6-digit code shown at `at`, `offset` steps away (tests, the terminal phone, the README). */
export function codeAt(secretBase32: string, at: Date, offset = 0): string {
  return codeForStep(Secret.fromBase32(secretBase32), stepAt(at) + offset);
}

/**
 * The step whose code is `code`, searching t-2..t+1 around `now`; the latest step when several
 * match; null for a wrong code or input that is not 6 digits (full-width digits and spaces are
 * forgiven). Every candidate is compared in constant time, and all are always compared.
 */
export function matchStep(secretBase32: string, code: string, now: Date): number | null {
  const entered = normaliseDigits(code);
  if (!/^\d{6}$/.test(entered)) return null;
  const secret = Secret.fromBase32(secretBase32);
  const t = stepAt(now);
  let found: number | null = null;
  for (let step = t - WINDOW_BEFORE; step <= t + WINDOW_AFTER; step++) {
    if (sameSecret(codeForStep(secret, step), entered)) found = step;
  }
  return found;
}
