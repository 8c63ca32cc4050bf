/**
 * The unsubscribe link of reminder emails: the address and an HMAC-SHA256 of it (Web Crypto), so
 * that nobody can unsubscribe an address they were not sent. It does not expire: a link in an old
 * email still works, as STOP does. The key is EMAIL_UNSUBSCRIBE_SECRET, else derived from
 * TWILIO_AUTH_TOKEN or ADMIN_API_TOKEN (a fixed development key when none is set: then every
 * email goes to the outbox, see src/config.ts).
 */
import type { Config } from '../config.js';
import type { Locale } from '../core/types.js';

export const UNSUBSCRIBE_PATH = '/email/unsubscribe';

export interface UnsubscribeSigner {
  /** The full link for `email`, the confirmation page in `locale`. */
  link(email: string, locale: Locale): Promise<string>;
  /** The address a link's `e` and `s` parameters name, or null when they were altered. */
  verify(e: string, s: string): Promise<string | null>;
}

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const fromB64url = (s: string): Uint8Array<ArrayBuffer> | null => {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  try {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
};

/** The signing key's material, from the configuration. */
export const unsubscribeSecret = (c: Pick<Config, 'EMAIL_UNSUBSCRIBE_SECRET' | 'TWILIO_AUTH_TOKEN' | 'ADMIN_API_TOKEN'>): string =>
  c.EMAIL_UNSUBSCRIBE_SECRET ?? `email-unsubscribe:${c.TWILIO_AUTH_TOKEN ?? c.ADMIN_API_TOKEN ?? 'development-only'}`;

export function createUnsubscribeSigner(secret: string, publicBaseUrl: string): UnsubscribeSigner {
  const base = publicBaseUrl.replace(/\/+$/, '');
  const enc = new TextEncoder();
  const key = crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  const data = (email: string) => enc.encode(`unsubscribe:${email.toLowerCase()}`);
  return {
    async link(email, locale) {
      const sig = new Uint8Array(await crypto.subtle.sign('HMAC', await key, data(email)));
      const q = new URLSearchParams({ e: b64url(enc.encode(email.toLowerCase())), s: b64url(sig), lang: locale });
      return `${base}${UNSUBSCRIBE_PATH}?${q.toString()}`;
    },
    async verify(e, s) {
      const addr = fromB64url(e);
      const sig = fromB64url(s);
      if (!addr || !sig || addr.length === 0 || addr.length > 320) return null;
      const email = new TextDecoder().decode(addr);
      // crypto.subtle.verify compares in constant time.
      return (await crypto.subtle.verify('HMAC', await key, sig, data(email))) ? email : null;
    },
  };
}
