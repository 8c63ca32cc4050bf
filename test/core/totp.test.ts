import { describe, expect, it } from 'vitest';
import { STEP_SECONDS, codeAt, matchStep, stepAt } from '../../src/core/totp.js';
import { totp } from '../helpers/twilio-client.mjs';

// RFC 6238 Appendix B: ASCII secret "12345678901234567890" in base32.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const DEMO_SECRET = 'ERTPZL7AKMO3BBKH6YOTTPJUAISOSLZU';

describe('token codes (TOTP)', () => {
  it('matches the RFC 6238 SHA-1 reference values (last 6 of the 8 digits)', () => {
    const vectors: [number, string][] = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [t, eight] of vectors) expect(codeAt(RFC_SECRET, new Date(t * 1000))).toBe(eight.slice(-6));
  });

  it('counts 30-second steps', () => {
    expect(STEP_SECONDS).toBe(30);
    expect(stepAt(new Date(59_000))).toBe(1);
    expect(stepAt(new Date(60_000))).toBe(2);
    expect(stepAt(new Date(0))).toBe(0);
  });

  it('agrees with the test client used by the end-to-end tests', () => {
    const at = new Date('2026-11-26T03:14:15Z');
    for (const offset of [-2, -1, 0, 1]) {
      expect(codeAt(DEMO_SECRET, at, offset)).toBe(totp(DEMO_SECRET, { time: at.getTime(), offset }));
    }
  });

  it('accepts the steps t-2 .. t+1 and answers which step matched', () => {
    const now = new Date('2026-11-26T03:14:15Z');
    const t = stepAt(now);
    for (const offset of [-2, -1, 0, 1]) {
      expect(matchStep(DEMO_SECRET, codeAt(DEMO_SECRET, now, offset), now)).toBe(t + offset);
    }
  });

  it('refuses t-3 and t+2', () => {
    const now = new Date('2026-11-26T03:14:15Z');
    const window = [-2, -1, 0, 1].map((o) => codeAt(DEMO_SECRET, now, o));
    for (const offset of [-3, 2]) {
      const code = codeAt(DEMO_SECRET, now, offset);
      if (window.includes(code)) continue; // a 1-in-10^6 collision would make this case meaningless
      expect(matchStep(DEMO_SECRET, code, now)).toBeNull();
    }
  });

  it('refuses a wrong code and anything that is not six digits', () => {
    const now = new Date('2026-11-26T03:14:15Z');
    const code = codeAt(DEMO_SECRET, now);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect(matchStep(DEMO_SECRET, wrong, now)).toBeNull();
    for (const bad of ['', '12345', '1234567', 'abcdef', code.slice(0, 5) + 'x', code + '0']) {
      expect(matchStep(DEMO_SECRET, bad, now), bad).toBeNull();
    }
  });

  it('forgives spaces and full-width digits', () => {
    const now = new Date('2026-11-26T03:14:15Z');
    const code = codeAt(DEMO_SECRET, now);
    const fullWidth = [...code].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');
    expect(matchStep(DEMO_SECRET, `${code.slice(0, 3)} ${code.slice(3)}`, now)).toBe(stepAt(now));
    expect(matchStep(DEMO_SECRET, fullWidth, now)).toBe(stepAt(now));
  });

  it('returns the latest step when a code matches several', () => {
    // Found by search: the demo secret shows 561119 at both step 59101989 and step 59101992.
    expect(codeAt(DEMO_SECRET, new Date(59101989 * 30_000))).toBe('561119');
    expect(codeAt(DEMO_SECRET, new Date(59101992 * 30_000))).toBe('561119');
    const now = new Date(59101991 * 30_000); // window 59101989 .. 59101992
    expect(matchStep(DEMO_SECRET, '561119', now)).toBe(59101992);
  });
});
