/** Reply -> TwiML with the twilio SDK. Pure: no Hono, no flow, no I/O beyond the loaded locales. */
import twilio from 'twilio';
import type VoiceResponse from 'twilio/lib/twiml/VoiceResponse.js';
import type { Locale } from '../../core/types.js';
import { LOCALES } from '../../core/types.js';
import type { Expect, MenuOption, Msg, MsgParam, Reply } from '../../flows/reply.js';
import { render } from '../../i18n.js';

/** How one language sounds and is heard on the phone. */
export interface VoiceProfile {
  /** <Say language>. */
  say: NonNullable<VoiceResponse.SayAttributes['language']>;
  /** <Say voice>: a voice Twilio documents for that language. */
  voice: NonNullable<VoiceResponse.SayAttributes['voice']>;
  /** <Gather language> for speech recognition. */
  gather: NonNullable<VoiceResponse.GatherAttributes['language']>;
}

export const VOICES: Record<Locale, VoiceProfile> = {
  'zh-HK': { say: 'yue-HK', voice: 'Google.yue-HK-Standard-A', gather: 'yue-Hant-HK' },
  'zh-CN': { say: 'cmn-CN', voice: 'Google.cmn-CN-Standard-A', gather: 'cmn-Hans-CN' },
  en: { say: 'en-GB', voice: 'Google.en-GB-Standard-A', gather: 'en-GB' },
};

/** The order of the language menu (1 Cantonese, 2 Putonghua, 3 English): used when nobody knows the caller's. */
export const ALL_LOCALES: readonly Locale[] = ['zh-HK', 'zh-CN', 'en'];

export interface VoiceRenderOptions {
  /** URL of the next turn: the <Gather action>. */
  action: string;
  /** AGENT_NUMBER: a transfer dials it; without it the caller joins the `agents` queue. */
  agentNumber?: string | null;
}

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

const DEFAULT_TIMEOUT_SEC: Record<Expect['kind'], number> = { menu: 6, yesno: 6, digits: 8, text: 8 };

// i18next takes tens of microseconds a message and TwiML building as long again, while an IVR says
// the same menus all day: both are memoised (pure functions of their input), in bounded maps.
const MEMO_MAX = 5000;
function memo<V>(map: Map<string, V>, key: string, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    if (map.size >= MEMO_MAX) map.clear();
    map.set(key, v);
  }
  return v;
}
const spokenLines = new Map<string, string>();

/** One message as voice says it (digits spaced, times in Hong Kong), memoised. */
function say(msg: Msg, lng: Locale): string {
  return memo(spokenLines, `${lng}\u0001${msg.key}\u0001${msg.params ? JSON.stringify(msg.params) : ''}`, () => render(msg, lng, 'voice'));
}

/** Text to say for one message, in its own language when it names one. */
export function spoken(msg: Msg, locale: Locale): { locale: Locale; text: string } {
  const lng = msg.locale ?? locale;
  return { locale: lng, text: say(msg, lng) };
}

function keyName(key: string, locale: Locale): string {
  if (key === '*') return say({ key: 'voice:key.star' }, locale);
  if (key === '#') return say({ key: 'voice:key.hash' }, locale);
  return key;
}

/** "For <label>, press <key>." for each option, in the reply's language or the option's own. */
export function menuLines(options: MenuOption[], locale: Locale): { locale: Locale; text: string }[] {
  return options.map((o) => {
    const lng = o.locale ?? locale;
    const label: MsgParam = { kind: 'key', key: o.label, ...(o.params ? { params: o.params } : {}) };
    return { locale: lng, text: say({ key: 'voice:menu.option', params: { label, digit: keyName(o.key, lng) } }, lng) };
  });
}

// Twilio reads at most 4,096 characters in one <Say>; stay well below (long opening-hours lists).
const SAY_MAX_CHARS = 3000;

/** Consecutive lines in one language become one <Say> (fewer verbs, natural pauses from punctuation). */
function groupByLocale(lines: { locale: Locale; text: string }[]): { locale: Locale; text: string }[] {
  const out: { locale: Locale; text: string }[] = [];
  for (const l of lines) {
    if (!l.text.trim()) continue;
    const last = out[out.length - 1];
    if (last && last.locale === l.locale && last.text.length + l.text.length < SAY_MAX_CHARS) last.text += ' ' + l.text;
    else out.push({ ...l });
  }
  return out;
}

type SayTarget = { say(attributes: VoiceResponse.SayAttributes, message: string): unknown };

function sayAll(target: SayTarget, lines: { locale: Locale; text: string }[]): void {
  for (const l of groupByLocale(lines)) {
    const v = VOICES[l.locale];
    target.say({ language: v.say, voice: v.voice }, l.text);
  }
}

function gatherAttributes(expect: Expect, locale: Locale, action: string): VoiceResponse.GatherAttributes {
  const attrs: VoiceResponse.GatherAttributes = {
    input: ['dtmf', 'speech'],
    action,
    method: 'POST',
    // Twilio then posts to `action` even when the caller says nothing, so the flow counts the
    // silence itself (https://www.twilio.com/docs/voice/twiml/gather#actiononemptyresult).
    actionOnEmptyResult: true,
    bargeIn: true,
    timeout: expect.timeoutSec ?? DEFAULT_TIMEOUT_SEC[expect.kind],
    speechTimeout: 'auto',
    language: VOICES[locale].gather,
  };
  switch (expect.kind) {
    case 'menu': {
      attrs.numDigits = 1;
      // An English recogniser gains nothing from Chinese hints; Chinese callers do say English words.
      const words = [...new Set(expect.options.flatMap((o) => o.words ?? []))].filter((w) => locale !== 'en' || !CJK.test(w));
      if (words.length) attrs.hints = words.join(', ');
      break;
    }
    case 'yesno':
      attrs.numDigits = 1;
      break;
    case 'digits':
      if (expect.finishKey === '#' || expect.min !== expect.max) attrs.finishOnKey = '#';
      else attrs.numDigits = expect.max;
      break;
    case 'text':
      attrs.finishOnKey = '#';
      break;
  }
  return attrs;
}

function connectAgent(twiml: VoiceResponse, agentNumber: string | null | undefined): void {
  if (agentNumber) twiml.dial({}, agentNumber);
  else twiml.enqueue({}, 'agents');
}

// The action URL changes every turn: documents are kept split where it goes.
const ACTION = 'urn:rocars:action';
const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const documentParts = new Map<string, string[]>();

// Fixed menus hand the same frozen Expect every turn (src/flows/hotline-menus.ts): its part of the
// cache key is a short name given once per object, not its option words serialised every turn (a
// long key is also hashed again at every lookup). Two equal frozen Expects just get two entries.
const expectKeys = new WeakMap<object, string>();
let expectSeq = 0;
function expectKey(expect: Expect | null): string {
  if (!expect) return '';
  if (!Object.isFrozen(expect)) return JSON.stringify(expect);
  let key = expectKeys.get(expect);
  if (key === undefined) expectKeys.set(expect, (key = `#${++expectSeq}`));
  return key;
}

/** The TwiML of one turn. */
export function renderVoice(reply: Reply, opts: VoiceRenderOptions): string {
  const agentNumber = opts.agentNumber ?? null;
  const key = `${agentNumber ?? ''}\u0001${reply.locale}\u0001${JSON.stringify(reply.say)}\u0001${expectKey(reply.expect)}\u0001${reply.end ? JSON.stringify(reply.end) : ''}`;
  const parts = memo(documentParts, key, () => build(reply, agentNumber).split(ACTION));
  return parts.length === 1 ? parts[0]! : parts.join(escapeAttr(opts.action));
}

function build(reply: Reply, agentNumber: string | null): string {
  const twiml = new twilio.twiml.VoiceResponse();
  const said = reply.say.map((m) => spoken(m, reply.locale));
  if (reply.expect) {
    if (reply.expect.kind === 'menu') {
      said.push(...menuLines(reply.expect.options, reply.locale));
    }
    const gather = twiml.gather(gatherAttributes(reply.expect, reply.locale, ACTION));
    sayAll(gather, said);
    return twiml.toString();
  }
  if (reply.end?.kind === 'agent') {
    // The flow says why; the channel says how ("please hold while we connect you").
    said.push({ locale: reply.locale, text: say({ key: 'voice:agent.connecting' }, reply.locale) });
    sayAll(twiml, said);
    connectAgent(twiml, agentNumber);
    return twiml.toString();
  }
  sayAll(twiml, said);
  twiml.hangup();
  return twiml.toString();
}

/**
 * Our failure (database or Redis down, a bug): apologise in the caller's language when known, else
 * in all three, and offer an agent. `action` is the fallback route, which needs no database.
 */
export function renderApology(locale: Locale | null, opts: { action: string }): string {
  const twiml = new twilio.twiml.VoiceResponse();
  const locales = locale ? [locale] : ALL_LOCALES;
  const gather = twiml.gather({
    input: ['dtmf'],
    numDigits: 1,
    timeout: 5,
    action: opts.action,
    method: 'POST',
    actionOnEmptyResult: true,
    language: VOICES[locales[0]!].gather,
  });
  sayAll(
    gather,
    locales.flatMap((l) => [
      { locale: l, text: render({ key: 'voice:apology.failure' }, l, 'voice') },
      { locale: l, text: render({ key: 'voice:apology.offer' }, l, 'voice') },
    ]),
  );
  return twiml.toString();
}

/** Straight to an agent, with a word of explanation (the fallback route after an apology). */
export function renderAgent(locale: Locale | null, opts: { agentNumber?: string | null }): string {
  const twiml = new twilio.twiml.VoiceResponse();
  const locales = locale ? [locale] : ALL_LOCALES;
  sayAll(
    twiml,
    locales.map((l) => ({ locale: l, text: render({ key: 'voice:agent.connecting' }, l, 'voice') })),
  );
  connectAgent(twiml, opts.agentNumber);
  return twiml.toString();
}

/** Guards a locale read from a URL or a saved session. */
export const asLocale = (v: string | null | undefined): Locale | null =>
  v && (LOCALES as readonly string[]).includes(v) ? (v as Locale) : null;
