/**
 * Identifiers keyed by people: CCRN, driver number, registration reference, bundle reference
 * (all Damm-checked), vehicle marks, HKID and phone numbers. Pure functions, no I/O.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** The outcome of checking one identifier: its normalised value, or why it is refused. */
export type IdCheck = { ok: true; value: string } | { ok: false; reason: 'format' | 'check_digit' };

const FULLWIDTH_ZERO = 0xff10;

/**
 * Full-width digits become ASCII; spaces (incl. ideographic), dashes (ASCII, full-width, en, em,
 * minus and other Unicode dashes) and dots (ASCII, full-width, ideographic) are dropped.
 */
export function normaliseDigits(input: string): string {
  return input
    .replace(/[\uff10-\uff19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - FULLWIDTH_ZERO + 48))
    .replace(/[\s\u3000\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d.\uff0e\u3002]/g, '');
}

// The standard Damm quasigroup (weakly totally anti-symmetric, order 10).
const DAMM: readonly (readonly number[])[] = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
  [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
  [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
  [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
  [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
  [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
  [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

function dammInterim(digits: string): number {
  let interim = 0;
  for (const ch of digits) {
    const d = ch.charCodeAt(0) - 48;
    if (d < 0 || d > 9) throw new RangeError('Damm: digits only');
    interim = DAMM[interim]![d]!;
  }
  return interim;
}

/** The Damm check digit to append to `digits` (ASCII digits only). */
export function dammCheckDigit(digits: string): string {
  return String(dammInterim(digits));
}

/** True when `digits` (check digit included) passes the Damm check. */
export function dammValid(digits: string): boolean {
  return /^\d+$/.test(digits) && dammInterim(digits) === 0;
}

function checkDamm(input: string, length: number): IdCheck {
  const value = normaliseDigits(input);
  if (!new RegExp(`^\\d{${length}}$`).test(value)) return { ok: false, reason: 'format' };
  return dammValid(value) ? { ok: true, value } : { ok: false, reason: 'check_digit' };
}

/** CCRN: 12 digits (YYMM, 7-digit serial, Damm check digit). */
export const checkCcrn = (input: string): IdCheck => checkDamm(input, 12);
/** Driver number: 8 digits, the last a Damm check digit. */
export const checkDriverNo = (input: string): IdCheck => checkDamm(input, 8);
/** Registration application reference: 10 digits, the last a Damm check digit. */
export const checkRegRef = (input: string): IdCheck => checkDamm(input, 10);
/** Bundle reference: 9 digits, the last a Damm check digit. */
export const checkBundleRef = (input: string): IdCheck => checkDamm(input, 9);

/** A bundle reference from an 8-digit serial: the serial plus its Damm check digit. */
export function makeBundleRef(serial8: string): string {
  if (!/^\d{8}$/.test(serial8)) throw new RangeError('makeBundleRef: 8 digits expected');
  return serial8 + dammCheckDigit(serial8);
}

// Standard HK mark: one or two letters (never I, O or Q), then 1-9999 without a leading zero.
const STANDARD_MARK = /^([A-HJ-NPR-Z]{1,2})([1-9]\d{0,3})$/;

/**
 * Vehicle registration mark, normalised to uppercase without spaces ("ab 1234" -> "AB1234").
 * Standard marks: 1-2 letters (no I, O, Q) + 1-9999 without a leading zero. Anything else of up to
 * 8 letters/digits with at least one letter counts as a personalised mark (kept simple: the
 * Transport Department's finer rules for personalised marks are not checked, and their spaces are
 * dropped), except letters followed by a number with a leading zero or more than four digits,
 * which is a mistyped standard mark.
 */
export function checkVehicleMark(input: string): IdCheck {
  const value = input.normalize('NFKC').toUpperCase().replace(/\s+/g, '');
  if (STANDARD_MARK.test(value)) return { ok: true, value };
  if (!/^[A-Z0-9]{1,8}$/.test(value) || !/[A-Z]/.test(value)) return { ok: false, reason: 'format' };
  if (/^[A-Z]{1,2}(0\d*|\d{5,})$/.test(value)) return { ok: false, reason: 'format' };
  return { ok: true, value };
}

/** 'AB1234' -> 'AB 1234' for standard marks; personalised marks unchanged. */
export function formatVehicleMark(mark: string): string {
  const m = STANDARD_MARK.exec(mark.toUpperCase().replace(/\s+/g, ''));
  return m ? `${m[1]} ${m[2]}` : mark;
}

/** For voice: one character at a time, 'AB1234' -> 'A B 1 2 3 4'. */
export function spellVehicleMark(mark: string): string {
  return [...mark.toUpperCase().replace(/\s+/g, '')].join(' ');
}

/**
 * HKID: 1-2 letters, 6 digits, check character 0-9 or A (parentheses allowed: "A123456(3)").
 * Mod 11 with weights 9..2 (letters A=10..Z=35); a one-letter HKID is padded in front with a
 * space worth 36. The check character makes the weighted sum a multiple of 11 (A = 10).
 */
export function checkHkid(input: string): IdCheck {
  const raw = input.normalize('NFKC').toUpperCase().replace(/\s+/g, '');
  const m = /^([A-Z]{1,2})(\d{6})(?:\(([0-9A])\)|([0-9A]))$/.exec(raw);
  if (!m) return { ok: false, reason: 'format' };
  const letters = m[1]!;
  const digits = m[2]!;
  const check = (m[3] ?? m[4])!;
  const values = [
    ...(letters.length === 1 ? [36] : []),
    ...[...letters].map((c) => c.charCodeAt(0) - 55),
    ...[...digits].map((c) => c.charCodeAt(0) - 48),
  ];
  const sum = values.reduce((acc, v, i) => acc + v * (9 - i), 0);
  const expected = (11 - (sum % 11)) % 11;
  const expectedChar = expected === 10 ? 'A' : String(expected);
  const value = letters + digits + check;
  return check === expectedChar ? { ok: true, value } : { ok: false, reason: 'check_digit' };
}

/**
 * E.164 for a phone number as typed or as Caller ID gives it; null when it is not a valid number.
 * Full-width digits, spaces, dashes and dots are forgiven.
 */
export function normalisePhone(input: string, defaultCountry: 'HK' | 'CN' | 'MO' | string = 'HK'): string | null {
  const cleaned = normaliseDigits(input.replace(/\uff0b/g, '+')).replace(/[()（）]/g, '');
  if (!/^\+?\d{3,17}$/.test(cleaned)) return null;
  const parsed = parsePhoneNumberFromString(cleaned, defaultCountry as Parameters<typeof parsePhoneNumberFromString>[1]);
  if (!parsed || !parsed.isValid()) return null;
  return parsed.number;
}

/** True for a Hong Kong mobile number (E.164). */
export function isHongKongMobile(e164: string): boolean {
  const parsed = parsePhoneNumberFromString(e164);
  return !!parsed && parsed.country === 'HK' && parsed.isValid() && parsed.getType() === 'MOBILE';
}

/**
 * True when the number can receive SMS: a mobile (or a number the plan cannot tell from a
 * mobile). Hong Kong numbers starting with 2 or 3 are fixed lines, so false.
 */
export function canReceiveSms(e164: string): boolean {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed || !parsed.isValid()) return false;
  const type = parsed.getType();
  return type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE';
}
