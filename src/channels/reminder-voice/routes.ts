/**
 * Twilio routes of outbound reminders, mounted at /twilio/reminder: the TwiML of a reminder call
 * (`/call`, then `/turn`), and the status callbacks of reminder messages and calls
 * (`/status/sms`, `/status/call`). Signed like every Twilio webhook (403 when forged); a bad
 * delivery, stage or attempt in the URL answers 400 naming it; a failure of ours still answers 200:
 * on a call, TwiML that apologises and offers an agent; to a status callback, an empty <Response/>.
 */
import { render } from '../../i18n.js';
import { Hono, type Context } from 'hono';
import twilio from 'twilio';
import type { Runtime } from '../../runtime.js';
import type { Locale } from '../../core/types.js';
import type { UserEvent } from '../../flows/reply.js';
import type { Runner } from '../../flows/runner.js';
import type { ReminderKit } from '../../reminders/kit.js';
import { createReminderRepository } from '../../db/repositories/reminders.js';
import { parseAttemptRef, type AttemptRef } from '../../reminders/callbacks.js';
import { machineMessage } from '../../reminders/messages.js';
import { hongKongDateOf } from '../../reminders/schedule.js';
import { twilioParams, twilioWebhook, type TwilioEnv } from '../twilio/webhook.js';
import { parseVoiceWebhook, voiceEvent, type VoiceWebhook } from '../voice/parse.js';
import { asLocale, renderAgent, renderApology, renderVoice } from '../voice/render.js';
import { withTimeout } from '../deadline.js';

export const REMINDER_PATH = '/twilio/reminder';

/**
 * The session of a reminder call. The runner takes what follows 'voice:' as the hand-off's
 * conversation id, so an agent finds the hand-off by CallSid as for any call; a CallSid is
 * unique, so the hotline's sessions are never touched.
 */
export const reminderSessionKey = (callSid: string) => `voice:${callSid}`;

const FINAL_CALL_STATUSES = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/** What a status callback gets when we could not record it: nothing to do, and no error. */
const EMPTY_RESPONSE = new twilio.twiml.MessagingResponse().toString();

const twiml = (c: Context, xml: string) => c.body(xml, 200, { 'Content-Type': 'text/xml; charset=utf-8' });

/** Twilio's answering-machine detection: https://www.twilio.com/docs/voice/answering-machine-detection */
const isMachine = (answeredBy: string | undefined) => !!answeredBy && answeredBy.startsWith('machine');

export interface ReminderRouteOptions {
  /** The runner of the reminder flow; default the runtime's voice runner (it holds every flow). */
  runner?: Runner;
  /** A turn that takes longer is answered with an apology: Twilio gives up after 15 s. Default ROUTE_DEADLINE_MS. */
  turnTimeoutMs?: number;
}

/** Where an apology's Gather goes: the reminder fallback (an agent), in the call's language when known. */
export const reminderFallbackUrl = (base: string, locale: Locale | null) => `${base}${REMINDER_PATH}/fallback${locale ? `?lang=${locale}` : ''}`;

export function reminderRoutes(
  rt: Runtime,
  kit: Pick<ReminderKit, 'callbacks' | 'repo' | 'hotline'>,
  options: ReminderRouteOptions = {},
): Hono<TwilioEnv> {
  const app = new Hono<TwilioEnv>();
  const base = rt.config.PUBLIC_BASE_URL ?? '';
  const agentNumber = rt.config.AGENT_NUMBER ?? null;
  const turnTimeoutMs = options.turnTimeoutMs ?? rt.config.ROUTE_DEADLINE_MS ?? 10_000;
  // A reminder call is a driver on the line: its turns use the voice pool (src/runtime.ts), the
  // status callbacks the main one.
  const voice = rt.voice ?? rt;
  const callRepo = rt.db?.voice && rt.db.voice !== rt.db.sql ? createReminderRepository(rt.db.voice) : kit.repo;
  const runner = options.runner ?? voice.runner;

  const refQuery = (r: AttemptRef) => `delivery=${r.deliveryId}&stage=${r.stage}&attempt=${r.attempt}`;
  const turnUrl = (n: number, locale: Locale, r: AttemptRef) => `${base}${REMINDER_PATH}/turn?n=${n}&lang=${locale}&${refQuery(r)}`;
  const fallbackUrl = (locale: Locale | null) => reminderFallbackUrl(base, locale);

  /** One turn of the reminder flow, rendered; an apology when anything of ours fails. */
  async function turn(c: Context, call: VoiceWebhook, ref: AttemptRef, event: UserEvent, n: number): Promise<Response> {
    const known = asLocale(c.req.query('lang'));
    try {
      const ctx = await callRepo.stageContext(ref.deliveryId, ref.stage);
      if (!ctx) throw new Error(`no reminder stage ${ref.deliveryId}/${ref.stage}`);
      const work = runner.turn({
        key: reminderSessionKey(call.callSid),
        // Outbound: Twilio's To is the driver's number.
        start: { flow: 'reminder', channel: 'voice', entry: 'reminder', caller: call.to, driverNo: ctx.driverNo },
        event,
        turn: n,
      });
      const out = await withTimeout(work, turnTimeoutMs);
      return twiml(c, renderVoice(out.reply, { action: turnUrl(out.turn + 1, out.reply.locale, ref), agentNumber }));
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      rt.logger.error({ callSid: call.callSid, delivery: ref.deliveryId, turn: n, err: { name: e.name, message: e.message } }, 'reminder call turn failed');
      return twiml(c, renderApology(known, { action: fallbackUrl(known) }));
    }
  }

  /** The short message an answering machine gets, in the driver's language. */
  async function voicemail(c: Context, call: VoiceWebhook, ref: AttemptRef, answeredBy: string): Promise<Response> {
    if (answeredBy === 'fax') return twiml(c, new twilio.twiml.VoiceResponse().hangup().toString());
    try {
      const ctx = await callRepo.stageContext(ref.deliveryId, ref.stage);
      if (!ctx) throw new Error(`no reminder stage ${ref.deliveryId}/${ref.stage}`);
      const [driver, token] = await Promise.all([voice.ports.drivers.byDriverNo(ctx.driverNo), voice.ports.tokens.bySerial(ctx.tokenSerial)]);
      const locale = driver?.locale ?? 'zh-HK';
      const msg = machineMessage({
        serial: ctx.tokenSerial,
        expiresOn: token?.expiresOn ?? ctx.expiresOn,
        today: hongKongDateOf(rt.clock.now()),
        hotline: kit.hotline,
      });
      return twiml(c, renderVoice({ locale, say: [msg], expect: null, end: { kind: 'hangup' } }, { action: '', agentNumber }));
    } catch (err) {
      rt.logger.error({ callSid: call.callSid, err: { message: (err as Error).message } }, 'reminder voicemail failed');
      return twiml(c, new twilio.twiml.VoiceResponse().hangup().toString());
    }
  }

  const parsed = (c: Context) => {
    const ref = parseAttemptRef((name) => c.req.query(name));
    if (!ref.ok) return { ok: false as const, problem: ref.message };
    const call = parseVoiceWebhook(twilioParams(c));
    if (!call.ok) return { ok: false as const, problem: call.field };
    return { ok: true as const, ref: ref.ref, call: call.call };
  };

  /**
   * A status callback we could not record (the database, a bug): Twilio still gets 200 and an empty
   * <Response/>, never a 5xx. The stage stays as it was, for the safety net to settle. The log
   * line names the delivery and the sid, never a number or a body.
   */
  const callbackFailed = (c: Context, channel: 'sms' | 'call', ref: AttemptRef, sid: string | undefined, err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    const code = (e as { code?: unknown }).code;
    rt.logger.error(
      { channel, delivery: ref.deliveryId, stage: ref.stage, attempt: ref.attempt, sid, err: { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) } },
      'reminder status callback failed',
    );
    return twiml(c, EMPTY_RESPONSE);
  };

  app.use('*', twilioWebhook(rt));

  app.post('/call', async (c) => {
    const p = parsed(c);
    if (!p.ok) return c.text(`Bad Request: ${p.problem}`, 400);
    const answeredBy = twilioParams(c).AnsweredBy;
    if (answeredBy) {
      await callRepo.recordAnsweredBy(p.ref, answeredBy, rt.clock.now()).catch((err: unknown) =>
        rt.logger.warn({ callSid: p.call.callSid, err: { message: (err as Error).message } }, 'answeredBy not recorded'),
      );
    }
    if (answeredBy && (isMachine(answeredBy) || answeredBy === 'fax')) return voicemail(c, p.call, p.ref, answeredBy);
    return turn(c, p.call, p.ref, { type: 'user.start' }, 1);
  });

  app.post('/turn', async (c) => {
    const p = parsed(c);
    if (!p.ok) return c.text(`Bad Request: ${p.problem}`, 400);
    const n = Number(c.req.query('n'));
    if (!Number.isSafeInteger(n) || n < 1) return c.text('Bad Request: n', 400);
    return turn(c, p.call, p.ref, voiceEvent(p.call), n);
  });

  app.post('/status/sms', async (c) => {
    const ref = parseAttemptRef((name) => c.req.query(name));
    if (!ref.ok) return c.text(`Bad Request: ${ref.message}`, 400);
    const params = twilioParams(c);
    if (!params.MessageSid && !params.SmsSid) return c.text('Bad Request: MessageSid', 400);
    try {
      await kit.callbacks.sms(ref.ref, params);
    } catch (err) {
      return callbackFailed(c, 'sms', ref.ref, params.MessageSid ?? params.SmsSid, err);
    }
    return c.body(null, 204);
  });

  app.post('/status/call', async (c) => {
    const ref = parseAttemptRef((name) => c.req.query(name));
    if (!ref.ok) return c.text(`Bad Request: ${ref.message}`, 400);
    const call = parseVoiceWebhook(twilioParams(c));
    if (!call.ok) return c.text(`Bad Request: ${call.field}`, 400);
    try {
      await kit.callbacks.call(ref.ref, twilioParams(c));
    } catch (err) {
      return callbackFailed(c, 'call', ref.ref, call.call.callSid, err);
    }
    if (call.call.callStatus && FINAL_CALL_STATUSES.has(call.call.callStatus)) {
      await runner.end(reminderSessionKey(call.call.callSid)).catch(() => {});
    }
    return c.body(null, 204);
  });

  // After an apology: whatever the callee does, an agent. Needs neither the database nor a session.
  app.post('/fallback', (c) => twiml(c, renderAgent(asLocale(c.req.query('lang')), { agentNumber })));

  return app;
}
