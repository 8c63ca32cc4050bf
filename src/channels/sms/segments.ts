/**
 * SMS segment counting (3GPP TS 23.038): GSM-7 when every character is in the default alphabet or
 * its extension table (extension characters take two septets), UCS-2 otherwise. A single message
 * holds 160 septets / 70 UTF-16 units; a concatenated one 153 / 67 per segment, and a segment never
 * splits an escape pair or a surrogate pair (as carriers and Twilio count).
 */

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '^{}\\[~]|€\f';

const BASIC = new Set([...GSM_BASIC]);
const EXTENSION = new Set([...GSM_EXTENSION]);

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
  /** Characters that forced UCS-2 (empty for GSM-7). */
  nonGsm: string[];
}

export const LIMITS = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
} as const;

/** Septets a character takes in GSM-7, or null when it is not in the alphabet. */
export function gsmSeptets(ch: string): 1 | 2 | null {
  if (BASIC.has(ch)) return 1;
  if (EXTENSION.has(ch)) return 2;
  return null;
}

export function isGsm7(text: string): boolean {
  for (const ch of text) if (gsmSeptets(ch) === null) return false;
  return true;
}

/** How many segments `text` takes, and in which encoding. An empty text is no message: 0 segments. */
export function countSegments(text: string): SegmentCount {
  const chars = [...text];
  const nonGsm = [...new Set(chars.filter((ch) => gsmSeptets(ch) === null))];
  const encoding: SmsEncoding = nonGsm.length ? 'UCS-2' : 'GSM-7';
  // Size of each indivisible piece: 1-2 septets per character, or 1-2 UTF-16 units (surrogate pairs).
  const sizes = chars.map((ch) => (encoding === 'GSM-7' ? gsmSeptets(ch)! : ch.length));
  const units = sizes.reduce((a, b) => a + b, 0);
  const { single, multi } = LIMITS[encoding];
  if (units === 0) return { encoding, units, segments: 0, nonGsm };
  if (units <= single) return { encoding, units, segments: 1, nonGsm };
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > multi) {
      segments++;
      used = 0;
    }
    used += size;
  }
  return { encoding, units, segments, nonGsm };
}
