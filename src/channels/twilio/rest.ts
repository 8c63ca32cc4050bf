/**
 * Outbound SMS and calls through the Twilio REST API (twilio SDK, over TwilioHttpClient). Provider
 * refusals and network failures come back as values: `permanent` (never retry) or `temporary`
 * (retry with back-off).
 */
import type twilio from 'twilio';
import type { OutboundCall, OutboundPort, OutboundResult, OutboundSms } from '../../core/ports.js';
import type { Logger } from '../../logger.js';
import { maskPhone } from '../../core/mask.js';

export interface TwilioProviderOptions {
  /** Our sending number (E.164) or Messaging Service-less sender id. */
  from: string;
  logger?: Logger;
  /**
   * The SDK's client, built by the composition root over a transport of its platform (on Node:
   * src/node/twilio-transport.ts, keep-alive; on Workers, the SDK's own); one pointed at a fake
   * Twilio in the benchmark and the crash test.
   */
  client: twilio.Twilio;
}

/**
 * Twilio error codes that no retry can fix:
 * https://www.twilio.com/docs/api/errors — 21610 the recipient replied STOP; 21211 invalid 'To';
 * 21614 not a mobile number; 21612 cannot route to this number; 21408 region not enabled.
 */
export const PERMANENT_TWILIO_CODES = new Set([21610, 21211, 21614, 21612, 21408]);

/** Maps a thrown SDK error (RestException or network failure) to an OutboundResult. */
export function classifyTwilioError(err: unknown): Extract<OutboundResult, { ok: false }> {
  const e = (err ?? {}) as { status?: unknown; code?: unknown; message?: unknown };
  const status = typeof e.status === 'number' ? e.status : null;
  const code = typeof e.code === 'number' ? e.code : null;
  const message = typeof e.message === 'string' ? e.message : 'unknown error';
  if (code !== null && PERMANENT_TWILIO_CODES.has(code)) return { ok: false, kind: 'permanent', code, status, message };
  if (status !== null && status >= 400 && status < 500 && status !== 429 && status !== 408) {
    return { ok: false, kind: 'permanent', code: code ?? status, status, message };
  }
  // 429, 408, 5xx, and errors without an HTTP status (DNS, reset, timeout).
  return { ok: false, kind: 'temporary', code: code ?? status, status, message };
}

export function createTwilioProvider({ from, logger, client }: TwilioProviderOptions): OutboundPort {

  /** Sends one request; logs and returns its sid, or what Twilio (or the network) refused. */
  const attempt = async (
    what: 'sms' | 'call',
    purpose: string,
    to: string,
    create: () => Promise<{ sid: string }>,
  ): Promise<OutboundResult> => {
    const about = { provider: 'twilio', what, purpose, toMasked: maskPhone(to) };
    try {
      const { sid } = await create();
      logger?.info({ ...about, sid }, what === 'sms' ? 'sms sent' : 'call placed');
      return { ok: true, sid, via: 'provider' };
    } catch (err) {
      const result = classifyTwilioError(err);
      logger?.warn({ ...about, kind: result.kind, errorCode: result.code, status: result.status }, 'twilio refused or failed');
      return result;
    }
  };

  return {
    async sendSms(sms: OutboundSms): Promise<OutboundResult> {
      return attempt('sms', sms.purpose, sms.to, () =>
        client.messages.create({
          to: sms.to,
          from,
          body: sms.body,
          ...(sms.statusCallback ? { statusCallback: sms.statusCallback } : {}),
        }),
      );
    },

    async placeCall(call: OutboundCall): Promise<OutboundResult> {
      return attempt('call', call.purpose, call.to, () =>
        client.calls.create({
          to: call.to,
          from,
          url: call.url,
          ...(call.statusCallback
            ? { statusCallback: call.statusCallback, statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'] }
            : {}),
          // DetectMessageEnd: Twilio answers once the greeting's beep has passed, so a voicemail keeps
          // the whole short message (https://www.twilio.com/docs/voice/answering-machine-detection).
          ...(call.machineDetection ? { machineDetection: 'DetectMessageEnd' } : {}),
        }),
      );
    },
  };
}
