/**
 * Twilio Messaging webhooks: `POST /twilio/sms` (an inbound text to any of our numbers, answered
 * with TwiML `<Message>`) and `POST /twilio/sms/status` (delivery reports). Thin: verify (shared
 * Twilio guard), parse, answer a command or take one turn of the hotline flow, render.
 */
import { SMS_CAPABILITIES } from '../capabilities.js';
import { Hono } from 'hono';
import twilio from 'twilio';
import type { Runtime } from '../../runtime.js';
import type { Driver, Locale } from '../../core/types.js';
import type { Msg, UserEvent } from '../../flows/reply.js';
import { maskPhone } from '../../core/mask.js';
import { errorFields } from '../../logger.js';
import { formatVehicleMark } from '../../core/identifiers.js';
import { twilioParams, twilioWebhook, type TwilioEnv } from '../twilio/webhook.js';
import { chineseScript, parseSms, readInbound, type InboundSms, type KeywordLang, type SmsParse } from './parse.js';
import { refusal, runCommand, type CommandDeps } from './commands.js';
import { renderMessages, renderReply } from './render.js';
import { runConversation } from '../conversation.js';
import { apologyLocale, replyLocale } from './apology.js';

/** A delivery report, as Twilio posts it to the status callback. */
export interface SmsStatus {
  messageSid: string;
  /** queued, sent, delivered, undelivered, failed, read, … */
  status: string;
  /** Twilio error code (e.g. 30003 unreachable, 21610 opted out), or null. */
  errorCode: number | null;
  /** E.164 of the recipient (full: hooks may need it; never log it unmasked). */
  to: string;
  from: string;
}

/** Runs after a delivery report is audited (e.g. the reminders settle their delivery). */
export type SmsStatusHook = (status: SmsStatus) => Promise<void>;

export interface SmsRoutesOptions {
  /** Messages a number may send per window; default 10 a minute. */
  rateLimit?: { limit: number; windowSeconds: number };
  /** Called in order for every delivery report; a failing hook is logged and the others still run. */
  statusHooks?: SmsStatusHook[];
}

/** Session key of a number's conversation with the flow (the runner gives it the 30-minute text TTL). */
export const conversationKey = (from: string) => `sms:${from}`;
/** Session key of a number's chosen language (LANG): kept a year. */
export const languageKey = (from: string) => `sms-lang:${from}`;
const LANGUAGE_TTL_SECONDS = 365 * 24 * 60 * 60;

export const DEFAULT_SMS_RATE_LIMIT = { limit: 10, windowSeconds: 60 };
/** Channel names in the inbound-message store: messages by MessageSid, delivery reports by sid and status. */
export const INBOUND_CHANNEL = 'sms';
export const STATUS_CHANNEL = 'sms-status';

type Answer = { text: string } | { silent: true };

function twiml(answer: Answer): string {
  const response = new twilio.twiml.MessagingResponse();
  if ('text' in answer && answer.text) response.message(answer.text);
  return response.toString();
}

/** `smsRoutes(rt)` is what the app mounts at /twilio/sms. */
export function smsRoutes(rt: Runtime, options: SmsRoutesOptions = {}): Hono {
  const { limit, windowSeconds } = options.rateLimit ?? DEFAULT_SMS_RATE_LIMIT;
  const hooks = options.statusHooks ?? [];
  const app = new Hono<TwilioEnv>();
  const deps: CommandDeps = {
    services: rt.services,
    ports: rt.ports,
    clock: rt.clock,
    ...(rt.config.PUBLIC_BASE_URL ? { publicBaseUrl: rt.config.PUBLIC_BASE_URL } : {}),
  };
  const xml = (body: string) => new Response(body, { status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' } });

  app.use('*', twilioWebhook(rt));

  app.post('/', async (c) => {
    const read = readInbound(twilioParams(c));
    if (!read.ok) return c.text(`Bad Request: ${read.reason} is missing or malformed`, 400);
    const sms = read.sms;
    let locale: Locale | null = null;
    let claimed = false;
    try {
      // A message is handled once: Twilio's retry (it did not get our answer) or a replayed signed
      // request gets the first answer again, or an empty <Response/> while the first still runs.
      const claim = await rt.ports.inbound.claim(INBOUND_CHANNEL, sms.messageSid, rt.clock.now());
      if (!claim.first) {
        rt.logger.info({ messageSid: sms.messageSid, answered: claim.reply !== null }, 'sms repeated: not handled again');
        return xml(claim.reply ?? twiml({ silent: true }));
      }
      claimed = true;
      const answer = await handle(sms, (l) => (locale = l));
      const body = twiml(answer);
      await remember(sms.messageSid, body);
      return xml(body);
    } catch (err) {
      // Our failure: still 200 with an apology, never a 5xx that Twilio would retry or swallow. The
      // error's message is not logged: it may quote the text (errorFields).
      rt.logger.error({ err: errorFields(err), messageSid: sms.messageSid, callerMasked: maskPhone(sms.from) }, 'sms turn failed');
      const apology = locale ?? (await apologyLocale(sms.body, () => rt.sessions.load<{ locale: Locale }>(languageKey(sms.from))));
      const body = twiml({ text: renderMessages([{ key: 'sms:error' }], apology) });
      if (claimed) await remember(sms.messageSid, body);
      return xml(body);
    }
  });

  /** Keeps what a message was answered, for its repeats; a failure only costs a repeat its answer. */
  async function remember(messageSid: string, body: string): Promise<void> {
    try {
      await rt.ports.inbound.answered(INBOUND_CHANNEL, messageSid, body);
    } catch (err) {
      rt.logger.warn({ err: errorFields(err), messageSid }, 'sms answer not kept for repeats');
    }
  }

  app.post('/status', async (c) => {
    const p = twilioParams(c);
    const status = (p.MessageStatus ?? p.SmsStatus ?? '').trim();
    const messageSid = (p.MessageSid ?? p.SmsSid ?? '').trim();
    if (!status) return c.text('Bad Request: MessageStatus is missing', 400);
    if (!messageSid) return c.text('Bad Request: MessageSid is missing', 400);
    const code = Number(p.ErrorCode);
    const report: SmsStatus = {
      messageSid,
      status,
      errorCode: p.ErrorCode && Number.isFinite(code) ? code : null,
      to: p.To ?? '',
      from: p.From ?? '',
    };
    // Twilio may post the same report again (a retry when it missed our answer): it is recorded and
    // passed to the hooks once. Each status of a message is a report of its own.
    try {
      const claim = await rt.ports.inbound.claim(STATUS_CHANNEL, `${messageSid}:${status}`, rt.clock.now());
      if (!claim.first) {
        rt.logger.info({ messageSid, status }, 'sms status repeated: not recorded again');
        return xml(twiml({ silent: true }));
      }
    } catch (err) {
      // Without the store, recording the report twice is better than losing it.
      rt.logger.warn({ err: errorFields(err), messageSid }, 'sms status: repeats not checked');
    }
    try {
      await rt.ports.audit.record({
        at: rt.clock.now(),
        channel: 'sms',
        callerMasked: maskPhone(report.to),
        driverNo: null,
        action: 'sms.status',
        outcome: status,
        detail: { messageSid, ...(report.errorCode !== null ? { errorCode: report.errorCode } : {}) },
      });
    } catch (err) {
      rt.logger.error({ err: errorFields(err), messageSid }, 'sms status not recorded');
    }
    for (const hook of hooks) {
      try {
        await hook(report);
      } catch (err) {
        rt.logger.error({ err: errorFields(err), messageSid }, 'sms status hook failed');
      }
    }
    return xml(twiml({ silent: true }));
  });

  /** The language chosen with LANG, if any (session store: Redis in production). */
  async function chosenLocale(from: string): Promise<Locale | null> {
    return (await rt.sessions.load<{ locale: Locale }>(languageKey(from)))?.value.locale ?? null;
  }

  /**
   * The sender's turn of the conversation, as the conversation port runs every channel's
   * (src/channels/conversation.ts): the key, how to start, the events; the Reply as SMS text.
   */
  async function converse(from: string, locale: Locale, events: UserEvent[], entry: 'hotline' | 'bundling' = 'hotline'): Promise<Answer> {
    const start = { flow: 'hotline', channel: 'sms', caller: from, entry, locale, capabilities: SMS_CAPABILITIES } as const;
    // Untimed here: the app keeps the SMS route's deadline (src/channels/fallbacks.ts).
    const result = await runConversation(rt.runner, { key: conversationKey(from), start, events });
    return { text: renderReply(result.reply) };
  }

  /** A fresh conversation ('user.start' always opens a new one), walked through the first answers of a keyword sent alone. */
  const freshFlow = (from: string, locale: Locale, entry: 'hotline' | 'bundling', answers: string[] = []): Promise<Answer> =>
    converse(from, locale, [{ type: 'user.start' }, ...answers.map((text): UserEvent => ({ type: 'user.text', text }))], entry);

  const say = (msgs: Msg[], locale: Locale): Answer => ({ text: renderMessages(msgs, locale) });

  async function handle(sms: InboundSms, setLocale: (l: Locale) => void): Promise<Answer> {
    const from = sms.from;
    const parsed: SmsParse = parseSms(sms.body);
    const lang: KeywordLang | 'free' = parsed.type === 'text' ? (chineseScript(sms.body) ?? 'free') : parsed.lang;
    const isCommand = (kind: string) => parsed.type === 'command' && parsed.command.kind === kind;
    const context = async () => {
      const driver = await rt.services.drivers.byMobile(from);
      const locale = replyLocale(lang, await chosenLocale(from), driver);
      setLocale(locale);
      return { from, locale, driver };
    };

    // Opt-out and opt-in come before the rate limit: a STOP is always honoured. It is recorded (in
    // Postgres) before anything else is looked up, so a session store that is down (Redis) cannot
    // lose it; its reply then speaks what language can still be known: the keyword's script, the
    // driver's language, else English.
    const optIn = sms.optOutType === 'START' && (await rt.ports.optOuts.isOptedOut(from));
    if (sms.optOutType === 'STOP' || isCommand('stop') || isCommand('start') || optIn) {
      const stop = sms.optOutType === 'STOP' || isCommand('stop');
      const done = await runCommand({ kind: stop ? 'stop' : 'start' }, { from, locale: 'en', driver: null }, deps);
      // Recorded. The reply's language is a nicety: what of it cannot be looked up is done without.
      const failed: unknown[] = [];
      const tryOr = <T>(p: Promise<T>): Promise<T | null> => p.catch((err: unknown) => (failed.push(err), null));
      const [driver, chosen] = await Promise.all([tryOr(rt.services.drivers.byMobile(from)), tryOr(chosenLocale(from))]);
      const locale = replyLocale(lang, chosen, driver);
      setLocale(locale);
      if (failed.length) {
        rt.logger.warn(
          { err: errorFields(failed[0]), failures: failed.length, messageSid: sms.messageSid, callerMasked: maskPhone(from), optedOut: stop },
          'sms opt-out recorded; reply language looked up without the session store or driver record',
        );
      }
      return toAnswer(done, locale);
    }

    // Counted before any other work, so a flood costs one Redis (or memory) hit per message.
    const hit = await rt.rateLimiter.hit(`sms:${from}`, limit, windowSeconds);
    if (!hit.allowed) {
      rt.logger.warn({ callerMasked: maskPhone(from), count: hit.count }, 'sms rate limited');
      if (!hit.firstRefusal) return { silent: true };
      return say([{ key: 'sms:slow_down' }], (await context()).locale);
    }

    const ctx = await context();
    const { locale, driver } = ctx;
    if (sms.optOutType === 'HELP') return say([{ key: 'sms:help' }], locale);

    switch (parsed.type) {
      case 'command': {
        const cmd = parsed.command;
        if (cmd.kind === 'lang') {
          await rt.runner.end(conversationKey(from));
          await saveLanguage(from, cmd.locale);
          setLocale(cmd.locale);
          return say([{ key: 'sms:lang.set' }], cmd.locale);
        }
        if (cmd.kind === 'menu') return freshFlow(from, locale, 'hotline');
        return toAnswer(await runCommand(cmd, ctx, deps), locale);
      }
      case 'keyword':
        switch (parsed.name) {
          case 'bundle':
            return freshFlow(from, locale, 'bundling');
          case 'mybundles':
          case 'cancel':
            // Main menu 1 (bundling), then 2 (hear and cancel your bundles).
            return freshFlow(from, locale, 'hotline', ['1', '2']);
          case 'status':
            return freshFlow(from, locale, 'hotline', ['2']);
          case 'reg':
            return freshFlow(from, locale, 'hotline', ['3']);
          case 'lang':
            return say([{ key: 'sms:lang.unknown' }], locale);
        }
        break;
      case 'usage':
        return say([usageMsg(parsed, driver)], locale);
      case 'text':
        return converse(from, locale, [parsed.event]);
    }
    return say([{ key: 'sms:help' }], locale);
  }

  async function saveLanguage(from: string, locale: Locale): Promise<void> {
    const key = languageKey(from);
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await rt.sessions.load<{ locale: Locale }>(key);
      if ((await rt.sessions.save(key, { locale }, current?.version ?? 0, LANGUAGE_TTL_SECONDS)) !== null) return;
    }
  }

  return app as unknown as Hono;
}

function toAnswer(a: Awaited<ReturnType<typeof runCommand>>, locale: Locale): Answer {
  return 'silent' in a ? a : { text: renderMessages(a.say, locale) };
}

/** What to say when a keyword's arguments do not fit. */
function usageMsg(p: Extract<SmsParse, { type: 'usage' }>, driver: Driver | null): Msg {
  // What the sender typed, cut short: it goes back in a reply that must stay within two segments.
  const raw = p.value ?? '';
  const value = raw.length > 20 ? `${raw.slice(0, 20)}...` : raw;
  switch (p.problem) {
    case 'bundle_args':
      return { key: 'sms:usage.bundle' };
    case 'vehicle_format':
      return driver
        ? refusal('vehicle_format', { value, vehicles: driver.vehicles.map(formatVehicleMark).join(', ') })
        : { key: 'sms:usage.bundle' };
    case 'ccrn_format':
      return refusal('ccrn_format', { value });
    case 'reg_ref_format':
      return refusal('reg_ref_format', { value });
    case 'bundle_ref_format':
      return { key: 'sms:usage.cancel' };
    case 'token_code_format':
      return p.name === 'mybundles' || p.name === 'cancel' ? { key: `sms:usage.${p.name}` } : refusal('token_code_format');
    case 'lang_unknown':
      return { key: 'sms:lang.unknown' };
  }
}
