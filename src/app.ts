/**
 * The Hono app: health, the Twilio webhooks, the web form and the agent and admin APIs.
 * Web-standard only, so the same app can later run on Cloudflare Workers.
 */
import { Hono, type Context, type Next } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { bodyLimit } from 'hono/body-limit';
import type { Runtime } from './runtime.js';
import { errorFields } from './logger.js';
import { voiceRoutes } from './channels/voice/routes.js';
import { agentRoutes } from './channels/agent/routes.js';
import { smsRoutes } from './channels/sms/routes.js';
import { webRoutes } from './channels/web/routes.js';
import { adminRoutes } from './channels/admin/routes.js';
import { reminderRoutes } from './channels/reminder-voice/routes.js';
import { routeFallbacks } from './channels/fallbacks.js';
import { healthRoutes } from './channels/health.js';
import { emailRoutes } from './channels/email/routes.js';

/** Twilio webhooks are small form posts; 64 KiB is generous and keeps floods cheap. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export function createApp(rt: Runtime): Hono {
  const app = new Hono();

  const tooLarge = (c: Context) => c.json({ error: 'body_too_large', field: 'body', limitBytes: BODY_LIMIT_BYTES }, 413);
  const limitStream = bodyLimit({ maxSize: BODY_LIMIT_BYTES, onError: tooLarge });
  // Browser security headers (framing, sniffing, CSP, HSTS) for what browsers read: the web form,
  // the agent and admin APIs, health. Twilio's servers, not browsers, read the webhooks' answers, and
  // setting a dozen headers on each was ~6% of a voice turn in the profile (README, "Speed").
  const browserHeaders = secureHeaders();
  // Every route answers within ROUTE_DEADLINE_MS, or what src/channels/fallbacks.ts says instead.
  const fallbacks = routeFallbacks(rt);
  const routes = (c: Context, next: Next) =>
    c.req.path.startsWith('/twilio/')
      ? fallbacks.guard(c, next)
      : browserHeaders(c, async () => {
          await fallbacks.guard(c, next);
        });
  const limited = (c: Context, next: Next) => {
    // A declared Content-Length is checked from the header alone: wrapping the body stream (what
    // bodyLimit does) makes @hono/node-server build a full Request for every webhook, which
    // profiling showed as ~10% of a voice turn. Chunked bodies still go through bodyLimit.
    const declared = c.req.header('content-length');
    if (declared !== undefined && !c.req.header('transfer-encoding')) {
      return Number(declared) > BODY_LIMIT_BYTES ? tooLarge(c) : routes(c, next);
    }
    return limitStream(c, async () => {
      await routes(c, next);
    });
  };
  // What every request goes through, as one middleware rather than three: each level of Hono
  // middleware costs every request an async call and its promises. In order: the request log line
  // (around everything), the body limit, the browser headers.
  app.use('*', async (c, next) => {
    const started = performance.now();
    const res = await limited(c, next);
    // A refusal made here returns its Response; a route's answer is in c.res (what `next()` resolves
    // to is Hono's context, not a Response: reading `.status` of it logged no status for webhooks).
    const status = res instanceof Response ? res.status : c.res.status;
    rt.logger.info(
      { method: c.req.method, path: c.req.path, status, ms: Math.round(performance.now() - started) },
      'request',
    );
    return res;
  });
  app.route('/health', healthRoutes(rt));

  app.route('/twilio/voice', voiceRoutes(rt));
  app.route('/twilio/sms', smsRoutes(rt));
  app.route('/twilio/reminder', reminderRoutes(rt, rt.reminders));
  app.route('/agent', agentRoutes(rt));
  app.route('/admin', adminRoutes({ campaigns: rt.reminders.campaigns, adminToken: rt.config.ADMIN_API_TOKEN, logger: rt.logger }));
  app.route('/email', emailRoutes(rt.reminders.unsubscribe));
  app.route('/', webRoutes(rt));

  app.onError((err, c) => {
    // Not the error's message: it may quote what a person sent (errorFields).
    rt.logger.error({ err: errorFields(err), path: c.req.path }, 'unhandled error');
    // Twilio never gets a 5xx; an API timed out by the database gets 503 and Retry-After.
    return fallbacks.onError(err, c) ?? c.json({ error: 'internal_error' }, 500);
  });
  return app;
}
