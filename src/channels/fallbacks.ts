/**
 * What a route answers when it cannot answer in time or something of ours failed (README,
 * "Deadlines"). Twilio always gets 200 with TwiML, never a 5xx: the SMS reply an apology in the
 * sender's language when known, a reminder call the voice apology that offers an agent, a status
 * callback an empty <Response/>. The agent and admin APIs answer 503 `{ "error": "timeout" }`
 * with Retry-After. Routes that keep their own deadline are let through untimed: the hotline's
 * voice turns (src/channels/voice/routes.ts), the web form's pages (src/channels/web/routes.ts,
 * its polite problem page), health (short checks of its own); so is creating a campaign (below).
 */
import type { Context, Next } from 'hono';
import twilio from 'twilio';
import type { Runtime } from '../runtime.js';
import type { Locale } from '../core/types.js';
import { isTimeout, RETRY_AFTER_SECONDS, underDeadline } from './deadline.js';
import { twilioParams } from './twilio/webhook.js';
import { readInbound } from './sms/parse.js';
import { apologyLocale } from './sms/apology.js';
import { renderMessages } from './sms/render.js';
import { languageKey } from './sms/routes.js';
import { asLocale, renderApology } from './voice/render.js';
import { reminderFallbackUrl } from './reminder-voice/routes.js';

type Kind = 'sms' | 'status' | 'hotline-call' | 'reminder-call' | 'api';

const STATUS_CALLBACKS = new Set(['/twilio/sms/status', '/twilio/voice/status', '/twilio/reminder/status/sms', '/twilio/reminder/status/call']);

function kindOf(path: string): Kind | null {
  if (path.startsWith('/twilio/')) {
    if (path === '/twilio/sms' || path === '/twilio/sms/') return 'sms';
    if (STATUS_CALLBACKS.has(path)) return 'status';
    if (path === '/twilio/reminder/call' || path === '/twilio/reminder/turn') return 'reminder-call';
    if (path.startsWith('/twilio/voice')) return 'hotline-call';
    return null;
  }
  if (path.startsWith('/agent/') || path.startsWith('/admin/')) return 'api';
  return null;
}

const xml = (body: string) => new Response(body, { status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' } });

export interface RouteFallbacks {
  /** Middleware-shaped: runs the rest of the route under ROUTE_DEADLINE_MS, or lets it through untimed. */
  guard(c: Context, next: Next): Promise<Response | void>;
  /** The answer to a route's unhandled error when it has one (Twilio routes always; the APIs on a timeout); else null. */
  onError(err: Error, c: Context): Promise<Response> | null;
}

export function routeFallbacks(rt: Runtime): RouteFallbacks {
  const ms = rt.config.ROUTE_DEADLINE_MS;
  const base = rt.config.PUBLIC_BASE_URL ?? '';

  /** The SMS reply's language as far as it is known without the database. */
  function smsLocale(c: Context): Promise<Locale> {
    const read = readInbound(twilioParams(c));
    if (!read.ok) return Promise.resolve('en');
    const { body, from } = read.sms;
    return apologyLocale(body, () => rt.sessions.load<{ locale: Locale }>(languageKey(from)));
  }

  async function answer(kind: Kind, c: Context): Promise<Response> {
    switch (kind) {
      case 'sms': {
        const response = new twilio.twiml.MessagingResponse();
        response.message(renderMessages([{ key: 'sms:error' }], await smsLocale(c)));
        return xml(response.toString());
      }
      case 'status':
        return xml(new twilio.twiml.MessagingResponse().toString());
      case 'hotline-call':
      case 'reminder-call': {
        const locale = asLocale(c.req.query('lang'));
        const action = kind === 'reminder-call' ? reminderFallbackUrl(base, locale) : `${base}/twilio/voice/fallback${locale ? `?lang=${locale}` : ''}`;
        return xml(renderApology(locale, { action }));
      }
      case 'api':
        return new Response(JSON.stringify({ error: 'timeout' }), {
          status: 503,
          headers: { 'content-type': 'application/json', 'retry-after': String(RETRY_AFTER_SECONDS), 'cache-control': 'no-store' },
        });
    }
  }

  return {
    guard(c, next) {
      const kind = kindOf(c.req.path);
      // Hotline turns time themselves (and are the hot path: no second timer).
      if (kind === null || kind === 'hotline-call') return next();
      // Creating a campaign is one transaction that a large selection can make outlast the
      // deadline; a 503 while it commits would invite a second campaign. The database's timeouts
      // still bound each of its statements (and a timeout there rolls it back and answers 503).
      if (kind === 'api' && c.req.method === 'POST' && c.req.path === '/admin/campaigns') return next();
      return underDeadline(c, next, ms, (c) => {
        rt.logger.warn({ path: c.req.path, deadlineMs: ms }, 'route deadline passed: answered without the route');
        return answer(kind, c);
      });
    },
    onError(err, c) {
      const kind = kindOf(c.req.path);
      if (kind === null || (kind === 'api' && !isTimeout(err))) return null;
      return answer(kind, c);
    },
  };
}
