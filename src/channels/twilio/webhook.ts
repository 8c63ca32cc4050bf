/**
 * Twilio webhook guard, shared by the voice and SMS routes: parses the form body once and checks
 * `X-Twilio-Signature` with the twilio SDK. Routes read the parsed parameters with `twilioParams(c)`:
 * without the characters XML 1.0 forbids (stripped after the signature check, which needs the
 * parameters exactly as Twilio sent them), so no reply that echoes a caller's text breaks the TwiML.
 */
import type { Context, MiddlewareHandler } from 'hono';
import twilio from 'twilio';
import type { Runtime } from '../../runtime.js';
import { stripXmlForbiddenValues } from '../../core/text.js';
import { sameSecret } from '../../core/secrets.js';
import { parseForm } from './form.js';

/** Hono environment of routes behind `twilioWebhook`. */
export interface TwilioEnv {
  Variables: { twilioParams: Record<string, string> };
}

/** The webhook's form parameters, parsed once by `twilioWebhook`. */
export const twilioParams = (c: Context): Record<string, string> =>
  (c.get('twilioParams' as never) as Record<string, string> | undefined) ?? {};

/**
 * The URL Twilio called. Twilio signs the public URL it was given, which behind a proxy or tunnel is
 * not the one the app sees, so PUBLIC_BASE_URL replaces the origin when set.
 * https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
export function publicUrl(requestUrl: string, publicBase: string | undefined): string {
  if (publicBase === undefined) return requestUrl;
  // The request URL is absolute ('http://host:port/path?query'): its path starts at the first '/'
  // after the scheme's '//'. Cheaper than `new URL()` on every webhook.
  const slash = requestUrl.indexOf('/', requestUrl.indexOf('//') + 2);
  // The configuration strips PUBLIC_BASE_URL's trailing slashes.
  return publicBase + (slash < 0 ? '/' : requestUrl.slice(slash));
}

/**
 * Twilio's signature check. The URL Twilio signs is, nearly always, exactly the one configured, so
 * that is tried first with the SDK's own signing and a constant-time comparison: one HMAC. Only when
 * it does not match does the SDK's `validateRequest` try the variants it knows (with and without the
 * port, escaped forms), so nothing it accepts is refused here.
 */
export function validTwilioSignature(authToken: string, signature: string, url: string, params: Record<string, string>): boolean {
  if (sameSecret(signature, twilio.getExpectedTwilioSignature(authToken, url, params))) return true;
  return twilio.validateRequest(authToken, signature, url, params);
}

async function formParams(c: Context): Promise<Record<string, string>> {
  if (c.req.method !== 'POST') return {};
  // Twilio posts application/x-www-form-urlencoded: read by our own decoder (form.ts), many times
  // faster than Request.formData() (parseBody).
  if ((c.req.header('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) return parseForm(await c.req.text());
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * Refuses (403, no TwiML) any request whose signature does not match. Without TWILIO_AUTH_TOKEN,
 * unsigned requests pass only while the service listens on loopback (`rt.unsignedWebhooks`).
 */
export function twilioWebhook(rt: Runtime): MiddlewareHandler<TwilioEnv> {
  return async (c, next) => {
    let params: Record<string, string>;
    try {
      params = await formParams(c);
    } catch {
      return c.text('Bad Request', 400);
    }
    const authToken = rt.config.TWILIO_AUTH_TOKEN;
    if (authToken) {
      const signature = c.req.header('x-twilio-signature');
      const url = publicUrl(c.req.url, rt.config.PUBLIC_BASE_URL);
      if (!signature || !validTwilioSignature(authToken, signature, url, params)) {
        rt.logger.warn({ path: new URL(c.req.url).pathname, signed: Boolean(signature) }, 'twilio webhook refused: bad signature');
        return c.text('Forbidden', 403);
      }
    } else if (!rt.unsignedWebhooks) {
      rt.logger.warn({ path: new URL(c.req.url).pathname }, 'twilio webhook refused: no TWILIO_AUTH_TOKEN and not on loopback');
      return c.text('Forbidden', 403);
    }
    // Only now: the signature covers the parameters as sent.
    c.set('twilioParams', stripXmlForbiddenValues(params));
    await next();
  };
}
