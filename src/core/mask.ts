/** Masks for logs, audit, hand-off and outbox records: never a full number, ID or code. */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

const STARS = '****';

/** "+85291234567" -> "+852****4567": country calling code, stars, last 4 digits. */
export function maskPhone(e164: string | null | undefined): string | null {
  if (!e164) return null;
  const digits = e164.replace(/\D/g, '');
  const last4 = digits.slice(-4);
  const parsed = e164.startsWith('+') ? parsePhoneNumberFromString(e164) : undefined;
  const cc = parsed?.countryCallingCode;
  if (cc && digits.length > cc.length + 4) return `+${cc}${STARS}${last4}`;
  return `${STARS}${last4}`;
}

/** "A1234563" -> "A****3": first character, stars, last character. */
export function maskId(id: string | null | undefined): string | null {
  if (!id) return null;
  if (id.length <= 2) return STARS;
  return `${id[0]}${STARS}${id[id.length - 1]}`;
}

/** A token code is never shown, not even in part. */
export function maskCode(_code?: string): string {
  return '******';
}
