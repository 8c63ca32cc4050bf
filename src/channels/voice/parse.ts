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
      // Twilio leaves the finish key out of Digits and names it in FinishedOnKey: `#` alone
      // ("no more CCRNs") arrives as Digits="" FinishedOnKey="#", a time-out as both empty.
      digits: params.Digits ? params.Digits : params.FinishedOnKey ? params.FinishedOnKey : null,
      speech: opt(params.SpeechResult),
    },
  };
}

/**
 * The caller's input as one event: keys pressed win over speech; speech is text (the flows read
 * spoken numbers and words, src/flows/interpret.ts); nothing at all (the <Gather> timed out) is silence.
 */
export function voiceEvent(call: Pick<VoiceWebhook, 'digits' | 'speech'>): UserEvent {
  if (call.digits !== null) return { type: 'user.digits', digits: call.digits };
  if (call.speech !== null) return { type: 'user.text', text: call.speech };
  return { type: 'user.silence' };
}
