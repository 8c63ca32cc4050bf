/**
 * One `Sender` per reminder channel, in a registry: what the dispatcher knows of a channel. A sender
 * sends a stage's reminder, looks up at the provider (and the outbox) whether an attempt whose
 * outcome we did not record went out, and says whether a refusal is permanent or temporary.
 * The fallback ladder (REMINDER_LADDER, today sms then call) is configuration; channels sent
 * alongside the first rung (email) are not rungs.
 */
import type { OutboundPort, OutboundResult } from '../core/ports.js';
import type { Locale } from '../core/types.js';
import type { LookupResult, ProviderLookup, ReminderChannel, SendChannel } from './ports.js';
import { renderText, smsReminder, type ReminderFacts } from './messages.js';

/** One send of one stage to one driver. */
export interface SendRequest {
  /** E.164 number, or email address. */
  to: string;
  locale: Locale;
  facts: ReminderFacts;
  /** Kept in the outbox: names delivery, stage, channel and attempt (see `sendPurpose`). */
  purpose: string;
  /** `delivery=…&stage=…&attempt=…`: what the provider's callbacks carry. */
  query: string;
  /** A demo driver (seed data): never sent to a real provider. */
  demo: boolean;
}

export type SendFailure = Extract<OutboundResult, { ok: false }>;

export interface Sender {
  readonly channel: SendChannel;
  send(req: SendRequest): Promise<OutboundResult>;
  /** Whether attempt `purpose`, begun at `since`, reached the provider; `found: false` must be definite. */
  lookup(q: { to: string; purpose: string; since: Date; locale: Locale; facts: ReminderFacts }): Promise<LookupResult>;
  /** permanent: recorded as failed, never retried (21610 opted out, 21211 invalid number, SMTP 5xx); temporary: back-off. */
  classify(failure: SendFailure): 'permanent' | 'temporary';
}

export interface SenderRegistry {
  /** The rungs, in order (REMINDER_LADDER). */
  readonly ladder: readonly ReminderChannel[];
  /** Channels sent alongside the first rung a driver gets (email), when the driver has an address. */
  readonly alongside: readonly SendChannel[];
  get(channel: SendChannel): Sender;
  /** The rung after `channel`, or null at the last one. */
  after(channel: ReminderChannel): ReminderChannel | null;
}

export function createSenderRegistry(ladder: readonly ReminderChannel[], senders: Sender[]): SenderRegistry {
  const byChannel = new Map(senders.map((s) => [s.channel, s]));
  for (const rung of ladder) if (!byChannel.has(rung)) throw new Error(`no sender for the ladder's channel ${rung}`);
  const alongside = senders.map((s) => s.channel).filter((c) => !(ladder as readonly string[]).includes(c) && c === 'email');
  return {
    ladder,
    alongside,
    get(channel) {
      const s = byChannel.get(channel);
      if (!s) throw new Error(`no sender for channel ${channel}`);
      return s;
    },
    after(channel) {
      const i = ladder.indexOf(channel);
      return i >= 0 && i + 1 < ladder.length ? ladder[i + 1]! : null;
    },
  };
}

/** The text of a reminder SMS (and the summary the outbox keeps of a call). */
export const reminderText = (facts: ReminderFacts, locale: Locale) => renderText(smsReminder(facts), locale);

/** SMS and calls: Twilio through the outbound port (keep-alive transport, outbox without credentials or for demo numbers). */
export function twilioSenders(deps: { outbound: OutboundPort; lookup: ProviderLookup; publicBaseUrl: string }): Sender[] {
  const base = deps.publicBaseUrl.replace(/\/+$/, '');
  const classify = (f: SendFailure) => f.kind;
  const sms: Sender = {
    channel: 'sms',
    send: (r) =>
      deps.outbound.sendSms({
        to: r.to,
        body: reminderText(r.facts, r.locale),
        purpose: r.purpose,
        statusCallback: `${base}/twilio/reminder/status/sms?${r.query}`,
      }),
    lookup: (q) => deps.lookup.find({ channel: 'sms', to: q.to, purpose: q.purpose, since: q.since, body: reminderText(q.facts, q.locale) }),
    classify,
  };
  const call: Sender = {
    channel: 'call',
    send: (r) =>
      deps.outbound.placeCall({
        to: r.to,
        // lang: the apology, should the call's first turn fail, is in the driver's language.
        url: `${base}/twilio/reminder/call?${r.query}&lang=${r.locale}`,
        purpose: r.purpose,
        summary: reminderText(r.facts, r.locale),
        statusCallback: `${base}/twilio/reminder/status/call?${r.query}`,
        machineDetection: true,
      }),
    lookup: (q) => deps.lookup.find({ channel: 'call', to: q.to, purpose: q.purpose, since: q.since }),
    classify,
  };
  return [sms, call];
}
