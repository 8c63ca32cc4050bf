import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  canReceiveSms,
  checkBundleRef,
  checkCcrn,
  checkDriverNo,
  checkHkid,
  checkRegRef,
  checkVehicleMark,
  dammCheckDigit,
  dammValid,
  formatVehicleMark,
  isHongKongMobile,
  makeBundleRef,
  normaliseDigits,
  normalisePhone,
  spellVehicleMark,
  type IdCheck,
} from '../../src/core/identifiers.js';

const KINDS: { name: string; length: number; check: (s: string) => IdCheck; demo: string[] }[] = [
  { name: 'CCRN', length: 12, check: checkCcrn, demo: ['261100000013', '261100000021', '261100000037', '261100000045'] },
  { name: 'driver number', length: 8, check: checkDriverNo, demo: ['41000019', '41000024'] },
  { name: 'registration reference', length: 10, check: checkRegRef, demo: ['2026110012'] },
  { name: 'bundle reference', length: 9, check: checkBundleRef, demo: ['261100013', '261100021'] },
];

/** A valid identifier of `length` digits: a random body plus its Damm check digit. */
const validId = (length: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length - 1, maxLength: length - 1 }).map((ds) => {
    const body = ds.join('');
    return body + dammCheckDigit(body);
  });

describe('normaliseDigits', () => {
  it('turns full-width digits into ASCII and drops spaces, dashes and dots', () => {
    expect(normaliseDigits('２６１１ ００００ ００１３')).toBe('261100000013');
    expect(normaliseDigits('2611-0000-0013')).toBe('261100000013');
    expect(normaliseDigits('2611–0000—0013')).toBe('261100000013');
    expect(normaliseDigits('2611－0000．0013')).toBe('261100000013');
    expect(normaliseDigits('2611.0000.0013')).toBe('261100000013');
    expect(normaliseDigits('\u30002611\u30000000 0013\t')).toBe('261100000013');
  });
  it('keeps letters, so a letter still fails the format', () => {
    expect(normaliseDigits('26110000001O')).toBe('26110000001O');
  });
});

describe('Damm check digit', () => {
  it('matches the published example (572 -> 4)', () => {
    expect(dammCheckDigit('572')).toBe('4');
    expect(dammValid('5724')).toBe(true);
    expect(dammValid('5727')).toBe(false);
  });
  it('refuses non-digits', () => {
    expect(dammValid('57a4')).toBe(false);
    expect(dammValid('')).toBe(false);
  });
  it('makes bundle references that check', () => {
    expect(makeBundleRef('26110001')).toBe('261100013');
    expect(makeBundleRef('26110002')).toBe('261100021');
    expect(() => makeBundleRef('2611000')).toThrow();
  });
});

describe.each(KINDS)('$name check', ({ length, check, demo }) => {
  it('accepts the demo values', () => {
    for (const v of demo) expect(check(v)).toEqual({ ok: true, value: v });
  });

  it('normalises spaces, dashes and full-width digits first', () => {
    const v = demo[0]!;
    const spaced = v.replace(/(\d{4})(?=\d)/g, '$1 ');
    const fullWidth = [...v].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');
    expect(check(spaced)).toEqual({ ok: true, value: v });
    expect(check(v.slice(0, 4) + '-' + v.slice(4))).toEqual({ ok: true, value: v });
    expect(check(fullWidth)).toEqual({ ok: true, value: v });
  });

  it('refuses a wrong length or letters as a format error', () => {
    const v = demo[0]!;
    expect(check(v.slice(0, -1))).toEqual({ ok: false, reason: 'format' });
    expect(check(v + '0')).toEqual({ ok: false, reason: 'format' });
    expect(check('A' + v.slice(1))).toEqual({ ok: false, reason: 'format' });
    expect(check('')).toEqual({ ok: false, reason: 'format' });
  });

  it('catches every single-digit substitution', () => {
    fc.assert(
      fc.property(validId(length), fc.nat({ max: length - 1 }), fc.integer({ min: 1, max: 9 }), (id, pos, delta) => {
        expect(check(id).ok).toBe(true);
        const d = (Number(id[pos]) + delta) % 10;
        const typo = id.slice(0, pos) + d + id.slice(pos + 1);
        expect(check(typo)).toEqual({ ok: false, reason: 'check_digit' });
      }),
      { numRuns: 500 },
    );
  });

  it('catches every adjacent transposition of distinct digits', () => {
    fc.assert(
      fc.property(validId(length), fc.nat({ max: length - 2 }), (id, pos) => {
        fc.pre(id[pos] !== id[pos + 1]);
        const swapped = id.slice(0, pos) + id[pos + 1] + id[pos] + id.slice(pos + 2);
        expect(check(swapped)).toEqual({ ok: false, reason: 'check_digit' });
      }),
      { numRuns: 500 },
    );
  });

  it('catches every substitution and transposition of the demo values (exhaustive)', () => {
    for (const v of demo) {
      for (let i = 0; i < v.length; i++) {
        for (let d = 0; d <= 9; d++) {
          if (String(d) === v[i]) continue;
          expect(check(v.slice(0, i) + d + v.slice(i + 1)).ok).toBe(false);
        }
        if (i < v.length - 1 && v[i] !== v[i + 1]) {
          expect(check(v.slice(0, i) + v[i + 1] + v[i] + v.slice(i + 2)).ok).toBe(false);
        }
      }
    }
  });
});

describe('vehicle registration mark', () => {
  it('normalises to uppercase without spaces', () => {
    expect(checkVehicleMark('ab 1234')).toEqual({ ok: true, value: 'AB1234' });
    expect(checkVehicleMark(' EF 901 ')).toEqual({ ok: true, value: 'EF901' });
    expect(checkVehicleMark('Ｆ Ｕ １２３')).toEqual({ ok: true, value: 'FU123' });
    expect(checkVehicleMark('A1')).toEqual({ ok: true, value: 'A1' });
  });
  it('accepts standard marks up to 9999 and personalised marks up to 8 characters', () => {
    expect(checkVehicleMark('ZZ9999').ok).toBe(true);
    expect(checkVehicleMark('HK 2046').ok).toBe(true);
    expect(checkVehicleMark('BIG BOSS')).toEqual({ ok: true, value: 'BIGBOSS' });
    expect(checkVehicleMark('1 LOVE U')).toEqual({ ok: true, value: '1LOVEU' });
  });
  it('refuses leading zeros, five digits, digits only, too long, symbols', () => {
    for (const bad of ['AB0123', 'AB0', 'AB12345', '1234', 'ABCDEFGHJ', 'AB-123', '', '   ']) {
      expect(checkVehicleMark(bad), bad).toEqual({ ok: false, reason: 'format' });
    }
  });
  it('formats standard marks with a space and spells marks for voice', () => {
    expect(formatVehicleMark('AB1234')).toBe('AB 1234');
    expect(formatVehicleMark('EF901')).toBe('EF 901');
    expect(formatVehicleMark('BIGBOSS')).toBe('BIGBOSS');
    expect(spellVehicleMark('AB1234')).toBe('A B 1 2 3 4');
    expect(spellVehicleMark('EF 901')).toBe('E F 9 0 1');
  });
});

describe('HKID', () => {
  it('accepts the demo HKIDs', () => {
    expect(checkHkid('A1234563')).toEqual({ ok: true, value: 'A1234563' });
    expect(checkHkid('CA1823611')).toEqual({ ok: true, value: 'CA1823611' });
    expect(checkHkid('B765432A')).toEqual({ ok: true, value: 'B765432A' });
  });
  it('allows parentheses, spaces and lowercase', () => {
    expect(checkHkid('A123456(3)')).toEqual({ ok: true, value: 'A1234563' });
    expect(checkHkid('b 765432 (a)')).toEqual({ ok: true, value: 'B765432A' });
  });
  it('refuses a wrong check character', () => {
    expect(checkHkid('A1234564')).toEqual({ ok: false, reason: 'check_digit' });
    expect(checkHkid('CA1823612')).toEqual({ ok: false, reason: 'check_digit' });
    expect(checkHkid('B7654320')).toEqual({ ok: false, reason: 'check_digit' });
  });
  it('refuses a wrong shape', () => {
    for (const bad of ['1234563', 'ABC1234563', 'A123456', 'A12345678', 'A123456B', 'A123456(3']) {
      expect(checkHkid(bad), bad).toEqual({ ok: false, reason: 'format' });
    }
  });
  it('catches any single-digit substitution', () => {
    for (const v of ['A1234563', 'CA1823611', 'B765432A']) {
      const digitsAt = v.length === 9 ? 2 : 1;
      for (let i = digitsAt; i < digitsAt + 6; i++) {
        for (let d = 0; d <= 9; d++) {
          if (String(d) === v[i]) continue;
          expect(checkHkid(v.slice(0, i) + d + v.slice(i + 1)).ok).toBe(false);
        }
      }
    }
  });
});

describe('phone numbers', () => {
  it('gives E.164 for Hong Kong numbers keyed locally, with full-width digits and spaces', () => {
    expect(normalisePhone('9123 4567')).toBe('+85291234567');
    expect(normalisePhone('９１２３　４５６７')).toBe('+85291234567');
    expect(normalisePhone('+852 9123-4567')).toBe('+85291234567');
    expect(normalisePhone('(+852) 6234 5678')).toBe('+85262345678');
    expect(normalisePhone('+86 138 0013 8000')).toBe('+8613800138000');
  });
  it('returns null for what is not a valid number', () => {
    for (const bad of ['', '123', 'hello', '+852 1234 5678', '9123 456', '+85291234567890']) {
      expect(normalisePhone(bad), bad).toBeNull();
    }
  });
  it('tells Hong Kong mobiles from fixed lines', () => {
    expect(isHongKongMobile('+85291234567')).toBe(true);
    expect(isHongKongMobile('+85251234567')).toBe(true);
    expect(isHongKongMobile('+85236690000')).toBe(false);
    expect(isHongKongMobile('+8613800138000')).toBe(false);
  });
  it('knows which numbers can receive SMS', () => {
    expect(canReceiveSms('+85291234567')).toBe(true);
    expect(canReceiveSms('+85262345678')).toBe(true);
    expect(canReceiveSms('+8613800138000')).toBe(true);
    expect(canReceiveSms('+85223456789')).toBe(false);
    expect(canReceiveSms('+85236690000')).toBe(false);
    expect(canReceiveSms('not a number')).toBe(false);
  });
});
