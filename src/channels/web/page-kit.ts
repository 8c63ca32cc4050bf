/**
 * What every page of the web form goes through (src/channels/web/routes.ts mounts them): rate limits
 * per client and per driver number, the session, the language, the origin check and the session's
 * CSRF token for posts, the route deadline; and the answers shared by all pages (the HTML page, the
 * problem page, "too many requests").
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { csrf } from 'hono/csrf';
import { getCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import type { Runtime } from '../../runtime.js';
import type { Locale } from '../../core/types.js';
import { LOCALES } from '../../core/types.js';
import { checkDriverNo } from '../../core/identifiers.js';
import { tFor } from '../../i18n.js';
import { withTimeout } from '../deadline.js';
import { fields } from './forms.js';
import { sameSecret } from '../../core/secrets.js';
import { createWebSessions, type WebSession } from './session.js';
import { clientAddress } from './client-address.js';
import { ProblemPage, type T, type View } from './pages.js';

export interface WebRoutesOptions {
  /**
   * Requests a client (its address: see client-address.ts) may make per window, page views and form
   * posts counted apart; and `driver`: posts naming one driver number (POST /driver, /code, /token),
   * from all clients together, per window.
   */
  rateLimit?: { get: number; post: number; windowSeconds: number; driver?: number };
}

export const DEFAULT_WEB_RATE_LIMIT = { get: 120, post: 30, driver: 10, windowSeconds: 60 };

export const LANG_COOKIE = 'lang';

/** The cookie's language, else the browser's preferred one we have, else English. */
export function pickLocale(cookie: string | undefined, acceptLanguage: string | undefined): Locale {
  if (cookie && (LOCALES as readonly string[]).includes(cookie)) return cookie as Locale;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]!.trim().toLowerCase();
    if (tag.startsWith('en')) return 'en';
    if (/^zh-(hk|tw|mo|hant)/.test(tag)) return 'zh-HK';
    if (/^zh(-|$)/.test(tag)) return 'zh-CN';
  }
  return 'en';
}

export interface Req {
  c: Context;
  v: View;
  session: WebSession;
  form: Record<string, string>;
  now: Date;
}

/** The page machinery of one web app (see the top of this file). */
export function createPageKit(rt: Runtime, options: WebRoutesOptions = {}) {
  const limits = options.rateLimit ?? DEFAULT_WEB_RATE_LIMIT;
  const driverLimit = limits.driver ?? DEFAULT_WEB_RATE_LIMIT.driver;
  const trustedProxies = rt.config.TRUST_PROXY;
  const publicOrigin = rt.config.PUBLIC_BASE_URL ? new URL(rt.config.PUBLIC_BASE_URL).origin : null;
  const secure = publicOrigin?.startsWith('https:') ?? false;
  const sessions = createWebSessions(rt.sessions, { secure });
  const originCheck = csrf({ origin: (origin, c) => origin === publicOrigin || origin === new URL(c.req.url).origin });

  const headers = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      formAction: ["'self'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
    },
    xFrameOptions: 'DENY',
    strictTransportSecurity: secure ? 'max-age=15552000; includeSubDomains' : false,
  });

  const viewFor = (c: Context, locale: Locale, csrfToken: string): View => {
    const i18nT = tFor(locale);
    const t: T = (key, params) => String(i18nT(key, params as never));
    return { locale, t, path: new URL(c.req.url).pathname, csrf: csrfToken };
  };

  const localeOf = (c: Context) => pickLocale(getCookie(c, LANG_COOKIE), c.req.header('accept-language'));

  const html = async (c: Context, page: unknown, status = 200) => {
    const body = '<!DOCTYPE html>' + (await (page as { toString(): string | Promise<string> }).toString());
    c.header('cache-control', 'no-store');
    return c.html(body, status as 200);
  };

  const problem = (c: Context, status: number, which: 'forbidden' | 'not_found' | 'rate_limited' | 'failure', csrfToken = '') => {
    const v = viewFor(c, localeOf(c), csrfToken);
    return html(c, ProblemPage({ v, title: v.t(`web:problem.${which}_title`), body: v.t(`web:problem.${which}`) }), status);
  };

  const tooMany = (c: Context, retryAfterSeconds: number, csrfToken = '') => {
    c.header('retry-after', String(retryAfterSeconds));
    return problem(c, 429, 'rate_limited', csrfToken);
  };

  /**
   * Counts a post naming `typed` as a driver number against that driver, whoever sends it, so that
   * many clients cannot hammer one driver (codes tried, token details asked). The 429 page when over
   * the limit, else null. A number that fails its check digit names no driver and is not counted.
   */
  const overDriverLimit = async (r: Req, typed: string): Promise<Response | null> => {
    const id = checkDriverNo(typed);
    if (!id.ok) return null;
    const hit = await rt.rateLimiter.hit(`web:driver:${id.value}`, driverLimit, limits.windowSeconds);
    if (hit.allowed) return null;
    if (hit.firstRefusal) rt.logger.warn({ driverNo: id.value, channel: 'web' }, 'web driver number rate limited');
    return tooMany(r.c, hit.retryAfterSeconds, r.v.csrf);
  };

  /**
   * Every page: rate limit, session, language; for posts, the origin check and the session's CSRF
   * token. Failures of ours become a polite page, never a stack trace.
   */
  const untimed =
    (handler: (r: Req) => Promise<Response>) =>
    async (c: Context): Promise<Response> => {
      const post = c.req.method === 'POST';
      const client = clientAddress(c, trustedProxies);
      const hit = await rt.rateLimiter.hit(`web:${post ? 'post' : 'get'}:${client}`, post ? limits.post : limits.get, limits.windowSeconds);
      if (!hit.allowed) return tooMany(c, hit.retryAfterSeconds);
      let form: Record<string, string> = {};
      if (post) {
        try {
          await originCheck(c, async () => {});
        } catch (err) {
          if (err instanceof HTTPException) return problem(c, 403, 'forbidden');
          throw err;
        }
        form = fields(await c.req.parseBody());
      }
      const session = await sessions.load(c);
      if (post && !sameSecret(form._csrf ?? '', session.data.csrf)) return problem(c, 403, 'forbidden', session.data.csrf);
      const v = viewFor(c, localeOf(c), session.data.csrf);
      return handler({ c, v, session, form, now: rt.clock.now() });
    };
  /** Every page under the route deadline: past it, the problem page (503, in onError below). */
  const page = (handler: (r: Req) => Promise<Response>) => {
    const run = untimed(handler);
    return (c: Context): Promise<Response> => withTimeout(run(c), rt.config.ROUTE_DEADLINE_MS);
  };

  return { html, problem, tooMany, overDriverLimit, page, sessions, secure, headers };
}

export type PageKit = ReturnType<typeof createPageKit>;
