/** Twilio Voice webhook parameters -> channel-neutral pieces. Pure: no Hono, no flow. */
import type { UserEvent } from '../../flows/reply.js';

/** The fields of a Twilio Voice webhook this service uses. */
export interface VoiceWebhook {
  callSid: string;
  from: string | null;
  to: string | null;
  callStatus: string | null;
  digits: string | null;
  speech: string | null;
}

export type ParsedVoice = { ok: true; call: VoiceWebhook } | { ok: false; field: string };

const CALL_SID = /^CA[0-9a-zA-Z]{32}$/;

/** Reads a webhook's form parameters; refuses one without a CallSid (naming the field). */
export function parseVoiceWebhook(params: Record<string, string | undefined>): ParsedVoice {
  const callSid = params.CallSid?.trim() ?? '';
  if (!CALL_SID.test(callSid)) return { ok: false, field: 'CallSid' };
  const opt = (v: string | undefined) => (v && v.trim() ? v.trim() : null);
  return {
    ok: true,
    call: {
      callSid,
      from: opt(params.From ?? params.Caller),
      to: opt(params.To ?? params.Called),
      callStatus: opt(params.CallStatus),
      digits: params.Digits !== undefined && params.Digits !== '' ? params.Digits : null,
      speech: opt(params.SpeechResult),
    },
  };
}

// Number words a speech recogniser may return instead of digits, in the three languages.
const WORDS: Record<string, string> = {
  zero: '0', oh: '0', o: '0', nought: '0', nil: '0', one: '1', two: '2', to: '2', too: '2', three: '3',
  four: '4', for: '4', five: '5', six: '6', seven: '7', eight: '8', ate: '8', nine: '9',
};
const HAN: Record<string, string> = {
  零: '0', 〇: '0', 洞: '0', 一: '1', 壹: '1', 幺: '1', 么: '1', 二: '2', 兩: '2', 两: '2', 貳: '2', 三: '3',
  四: '4', 五: '5', 六: '6', 七: '7', 八: '8', 九: '9',
};
const REPEAT: Record<string, number> = { double: 2, triple: 3 };

/**
 * The digits of a spoken number ("two six one one", "double zero", "二六一一", "2611 0000 0013."),
 * or null when the words are not only a number (then they are text, e.g. "yes", "bundling").
 */
export function spokenDigits(speech: string): string | null {
  const text = speech
    .toLowerCase()
    .replace(/[\uff10-\uff19]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xff10 + 48))
    .replace(/[.,!?;:\-\u3001\u3002\uff0c\uff01\uff1f]/g, ' ')
    .trim();
  if (!text) return null;
  let out = '';
  let repeat = 1;
  // Han digits come without spaces: split them apart from Latin words.
  const tokens = text.replace(/([\u3007\u4e00-\u9fff])/g, ' $1 ').split(/\s+/).filter(Boolean);
  for (const tok of tokens) {
    if (tok in REPEAT) {
      if (repeat !== 1) return null;
      repeat = REPEAT[tok]!;
      continue;
    }
    const d = /^\d+$/.test(tok) ? tok : (WORDS[tok] ?? HAN[tok]);
    if (d === undefined) return null;
    out += repeat > 1 && d.length === 1 ? d.repeat(repeat) : d;
    repeat = 1;
  }
  if (repeat !== 1 || !out) return null;
  return out;
}

/**
 * The caller's input as one event: keys pressed win over speech; a spoken number becomes digits,
 * other speech text; nothing at all (the <Gather> timed out) is silence.
 */
export function voiceEvent(call: Pick<VoiceWebhook, 'digits' | 'speech'>): UserEvent {
  if (call.digits !== null) return { type: 'user.digits', digits: call.digits };
  if (call.speech !== null) {
    const digits = spokenDigits(call.speech);
    return digits !== null ? { type: 'user.digits', digits } : { type: 'user.text', text: call.speech };
  }
  return { type: 'user.silence' };
}
