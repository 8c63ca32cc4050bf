/**
 * Twilio Voice routes, mounted at /twilio/voice: the incoming call, the turn URLs the service emits,
 * the status callback and the fallback after an apology. Every answer to Twilio is 200 with TwiML
 * (or 204 for the status callback) unless the request is forged (403) or malformed (400).
 */
import { VOICE_CAPABILITIES } from '../capabilities.js';
import { Hono, type Context } from 'hono';
import type { Runtime } from '../../runtime.js';
import type { Locale } from '../../core/types.js';
import { maskPhone } from '../../core/mask.js';
import { normalisePhone } from '../../core/identifiers.js';
import { twilioParams, twilioWebhook, type TwilioEnv } from '../twilio/webhook.js';
import { parseVoiceWebhook, voiceEvent, type VoiceWebhook } from './parse.js';
import { asLocale, renderAgent, renderApology, renderVoice } from './render.js';
import { withTimeout } from '../deadline.js';
import { conversationRoute, type ConversationChannel } from '../conversation.js';

/** Where the app mounts these routes (DESIGN.md, "Entry points"). */
export const VOICE_PATH = '/twilio/voice';

export interface VoiceRouteOptions {
  /** A turn that takes longer is answered with an apology: Twilio gives up after 15 s. Default ROUTE_DEADLINE_MS. */
  turnTimeoutMs?: number;
}

/** Which entry a called number opens: bundling lines go straight to bundling. */
export function entryFor(to: string | null, rt: Pick<Runtime, 'config'>): 'hotline' | 'bundling' {
  if (!to) return 'hotline';
  // Twilio sends E.164: parse (slow) only a number in another form.
  const e164 = /^\+[1-9]\d{6,14}$/.test(to) ? to : (normalisePhone(to) ?? to);
  return rt.config.BUNDLING_NUMBERS.includes(e164) ? 'bundling' : 'hotline';
}

export const sessionKey = (callSid: string) => `voice:${callSid}`;

const FINAL_STATUSES = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

const twiml = (c: Context, xml: string) => c.body(xml, 200, { 'Content-Type': 'text/xml; charset=utf-8' });

export function voiceRoutes(rt: Runtime, options: VoiceRouteOptions = {}): Hono<TwilioEnv> {
  const app = new Hono<TwilioEnv>();
  const turnTimeoutMs = options.turnTimeoutMs ?? rt.config.ROUTE_DEADLINE_MS ?? 10_000;
  // Turns run on the voice path's own pool (src/runtime.ts), so hung queries elsewhere cannot starve them.
  const { runner, services } = rt.voice ?? rt;
  const base = rt.config.PUBLIC_BASE_URL ?? '';
  const agentNumber = rt.config.AGENT_NUMBER ?? null;

  /** Absolute with PUBLIC_BASE_URL (Twilio signs what it calls), relative otherwise. */
  const turnUrl = (n: number, locale: Locale) => `${base}${VOICE_PATH}/turn?n=${n}&lang=${locale}`;
  const fallbackUrl = (locale: Locale | null) => `${base}${VOICE_PATH}/fallback${locale ? `?lang=${locale}` : ''}`;

  /**
   * The hotline as a conversation channel (src/channels/conversation.ts): a call's webhook read into
   * its turn, the Reply rendered as TwiML whose action URL names the next turn, the apology in the
   * language of the turn's URL.
   */
  const hotline = (first: boolean): ConversationChannel<{ call: VoiceWebhook; n: number }> => ({
    name: 'voice',
    read(c) {
      const parsed = parseVoiceWebhook(twilioParams(c));
      if (!parsed.ok) return parsed;
      const n = first ? 1 : Number(c.req.query('n'));
      if (!Number.isSafeInteger(n) || n < 1) return { ok: false, field: 'n' };
      return { ok: true, request: { call: parsed.call, n } };
    },
    turn: ({ call, n }) => ({
      key: sessionKey(call.callSid),
      start: { flow: 'hotline', channel: 'voice', entry: entryFor(call.to, rt), caller: call.from, capabilities: VOICE_CAPABILITIES },
      events: [first ? { type: 'user.start' } : voiceEvent(call)],
      turn: n,
    }),
    render: (c, out) => twiml(c, renderVoice(out.reply, { action: turnUrl(out.turn + 1, out.reply.locale), agentNumber })),
    apology(c) {
      const known = asLocale(c.req.query('lang'));
      return twiml(c, renderApology(known, { action: fallbackUrl(known) }));
    },
    about: ({ call, n }) => ({ callSid: call.callSid, turn: n }),
  });

  app.use('*', twilioWebhook(rt));

  const deps = { runner, logger: rt.logger, deadlineMs: turnTimeoutMs };
  app.post('/', conversationRoute(hotline(true), deps));
  app.post('/turn', conversationRoute(hotline(false), deps));

  app.post('/status', async (c) => {
    const parsed = parseVoiceWebhook(twilioParams(c));
    if (!parsed.ok) return c.text(`Bad Request: ${parsed.field}`, 400);
    const { callSid, callStatus, from } = parsed.call;
    if (callStatus && FINAL_STATUSES.has(callStatus)) {
      try {
        await runner.end(sessionKey(callSid));
      } catch (err) {
        rt.logger.error({ callSid, err: { message: (err as Error).message } }, 'voice session end failed');
      }
      try {
        const duration = Number(twilioParams(c).CallDuration);
        await rt.ports.audit.record({
          at: rt.clock.now(),
          channel: 'voice',
          callerMasked: maskPhone(from),
          driverNo: null,
          action: 'call.end',
          outcome: callStatus,
          detail: { callSid, ...(Number.isFinite(duration) ? { durationSec: duration } : {}) },
        });
      } catch (err) {
        rt.logger.error({ callSid, err: { message: (err as Error).message } }, 'voice call end not audited');
      }
    }
    return c.body(null, 204);
  });

  // After an apology: whatever the caller does, an agent. Needs neither the database nor a session;
  // a hand-off record is tried briefly, so the agent knows the call met a failure of ours.
  app.post('/fallback', async (c) => {
    const locale = asLocale(c.req.query('lang'));
    const parsed = parseVoiceWebhook(twilioParams(c));
    if (parsed.ok) {
      const { callSid, from } = parsed.call;
      rt.logger.warn({ callSid }, 'voice fallback: caller sent to an agent');
      await withTimeout(
        services.handoffs.record({
          conversationId: callSid,
          channel: 'voice',
          caller: from,
          driverNo: null,
          locale: locale ?? 'zh-HK',
          where: 'service_failure',
          reason: 'service_failure',
        }),
        1_000,
      ).catch((err: unknown) => rt.logger.error({ callSid, err: { message: (err as Error).message } }, 'fallback hand-off not recorded'));
    }
    return twiml(c, renderAgent(locale, { agentNumber }));
  });

  return app;
}
