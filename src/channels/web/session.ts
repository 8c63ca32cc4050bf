/**
 * The web form's server session: a random id in an httpOnly, SameSite=Lax cookie (Secure over
 * https), the state in the session store under `web:<id>`. It holds the CSRF token, the driver
 * number once given and the authorisation a token code gave (until when) — never the code itself.
 */
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Authorisation } from '../../core/types.js';
import type { SessionStore } from '../../sessions/port.js';

export interface WebSessionData {
  /** Per-session token every form posts back in `_csrf`. */
  csrf: string;
  driverNo?: string;
  auth?: Authorisation;
}

export interface WebSession {
  id: string;
  data: WebSessionData;
  version: number;
}

export const WEB_SESSION_TTL_SECONDS = 30 * 60;
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function randomToken(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export interface WebSessions {
  /** The request's session; a new one is stored and its cookie set when there is none. */
  load(c: Context): Promise<WebSession>;
  /**
   * Applies `change` to the stored state (compare-and-set; retried when another request of the
   * same browser saved in between) and returns the new state.
   */
  update(c: Context, session: WebSession, change: (d: WebSessionData) => WebSessionData): Promise<WebSessionData>;
}

export function createWebSessions(store: SessionStore, { secure }: { secure: boolean }): WebSessions {
  // The __Host- prefix pins the cookie to this host and path / (browsers insist on Secure for it).
  const cookieName = secure ? '__Host-rocars' : 'rocars';
  const key = (id: string) => `web:${id}`;

  const setSessionCookie = (c: Context, id: string) =>
    setCookie(c, cookieName, id, { path: '/', httpOnly: true, sameSite: 'Lax', secure, maxAge: WEB_SESSION_TTL_SECONDS });

  return {
    async load(c) {
      const id = getCookie(c, cookieName);
      if (id && ID_PATTERN.test(id)) {
        const stored = await store.load<WebSessionData>(key(id));
        if (stored) return { id, data: stored.value, version: stored.version };
      }
      const fresh = randomToken();
      const data: WebSessionData = { csrf: randomToken() };
      const version = await store.save(key(fresh), data, 0, WEB_SESSION_TTL_SECONDS);
      setSessionCookie(c, fresh);
      return { id: fresh, data, version: version ?? 1 };
    },
    async update(c, session, change) {
      let current = { data: session.data, version: session.version };
      for (let attempt = 0; attempt < 5; attempt++) {
        const next = change(current.data);
        const version = await store.save(key(session.id), next, current.version, WEB_SESSION_TTL_SECONDS);
        if (version !== null) {
          session.data = next;
          session.version = version;
          setSessionCookie(c, session.id);
          return next;
        }
        const reloaded = await store.load<WebSessionData>(key(session.id));
        current = reloaded ? { data: reloaded.value, version: reloaded.version } : { data: current.data, version: 0 };
      }
      throw new Error('web session: too many concurrent updates');
    },
  };
}
