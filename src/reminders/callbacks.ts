/**
 * Twilio status callbacks of reminder messages and calls (MessageStatus, CallStatus). Their URLs
 * carry the delivery, stage and attempt, so a callback settles its stage even when the worker
 * that sent it died before recording the sid. A failed SMS turns the stage into a call.
 */
import { z } from 'zod';
import type { OptOutRepository } from '../core/ports.js';
import type { Clock } from '../core/types.js';
import type { Logger } from '../logger.js';
import type { ReminderRepository } from './ports.js';
import { nextOpen, type SendWindow } from './schedule.js';

export interface AttemptRef {
  deliveryId: number;
  stage: number;
  attempt: number;
}

/** Postgres `integer` (int4): reminder_stages.stage and .attempt. */
const INT4_MAX = 2_147_483_647;

/**
 * A query parameter holding a whole number from `min` to `max`: digits only (no sign, point,
 * exponent or space), so that nothing out of its column's range reaches Postgres.
 */
const wholeNumber = (name: string, min: number, max: number) => {
  const message = `${name} must be a whole number from ${min} to ${max}`;
  return z
    .string({ error: message })
    .regex(/^\d{1,16}$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message);
};

/**
 * The reference a reminder URL carries (src/reminders/dispatch.ts, attemptQuery), in the ranges of
 * migration 002's columns: delivery a bigserial id (held as a JS number, so at most 2^53 - 1),
 * stage an integer of days before expiry (0 = the last valid day, as REMINDER_STAGES allows),
 * attempt an integer claim counter that starts at 1.
 */
export const attemptRefSchema = z.object({
  delivery: wholeNumber('delivery', 1, Number.MAX_SAFE_INTEGER),
  stage: wholeNumber('stage', 0, INT4_MAX),
  attempt: wholeNumber('attempt', 1, INT4_MAX),
});

/** Reads `delivery`, `stage` and `attempt` from a callback URL's query; names the first bad one and why. */
export function parseAttemptRef(
  q: (name: string) => string | undefined,
): { ok: true; ref: AttemptRef } | { ok: false; field: string; message: string } {
  const r = attemptRefSchema.safeParse({ delivery: q('delivery'), stage: q('stage'), attempt: q('attempt') });
  if (!r.success) {
    const issue = r.error.issues[0]!;
    return { ok: false, field: String(issue.path[0]), message: issue.message };
  }
  return { ok: true, ref: { deliveryId: r.data.delivery, stage: r.data.stage, attempt: r.data.attempt } };
}

const SMS_STATE: Record<string, 'sent' | 'delivered' | 'failed'> = {
  accepted: 'sent',
  scheduled: 'sent',
  queued: 'sent',
  sending: 'sent',
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
};

const CALL_STATE: Record<string, 'sent' | 'delivered' | 'failed'> = {
  queued: 'sent',
  initiated: 'sent',
  ringing: 'sent',
  'in-progress': 'sent',
  answered: 'sent',
  completed: 'delivered',
  busy: 'failed',
  'no-answer': 'failed',
  failed: 'failed',
  canceled: 'failed',
};

export interface StatusCallbacksDeps {
  repo: ReminderRepository;
  optOuts: Pick<OptOutRepository, 'set'>;
  clock: Clock;
  callWindow: SendWindow;
  logger?: Logger;
}

export interface StatusCallbacks {
  sms(ref: AttemptRef, p: Record<string, string>): Promise<{ outcome: string }>;
  call(ref: AttemptRef, p: Record<string, string>): Promise<{ outcome: string }>;
}

const errorCode = (v: string | undefined): number | null => (v && /^\d+$/.test(v) ? Number(v) : null);

export function createStatusCallbacks({ repo, optOuts, clock, callWindow, logger }: StatusCallbacksDeps): StatusCallbacks {
  return {
    async sms(ref, p) {
      const status = (p.MessageStatus ?? p.SmsStatus ?? '').toLowerCase();
      const state = SMS_STATE[status];
      const sid = p.MessageSid ?? p.SmsSid ?? '';
      if (!state || !sid) return { outcome: 'ignored' };
      const now = clock.now();
      const code = errorCode(p.ErrorCode);
      // A failed SMS is not the stage's end: it records the failure, then turns to a call.
      const { applied, context } = await repo.applyStatus(ref, 'sms', { sid, status, state: state === 'failed' ? null : state, errorCode: code }, now);
      logger?.info({ delivery: ref.deliveryId, stage: ref.stage, sid, status, errorCode: code, applied }, 'reminder sms status');
      if (state !== 'failed' || !context) return { outcome: applied ? state : 'recorded' };
      if (code === 21610 && p.To) await optOuts.set(p.To, true, now);
      const moved = await repo.fallBackToCall(ref, code, { state: 'scheduled', dueAt: nextOpen(callWindow, now) }, now);
      return { outcome: moved ? 'sms_failed_call_scheduled' : 'recorded' };
    },
    async call(ref, p) {
      const status = (p.CallStatus ?? '').toLowerCase();
      const state = CALL_STATE[status];
      const sid = p.CallSid ?? '';
      if (!state || !sid) return { outcome: 'ignored' };
      const { applied } = await repo.applyStatus(
        ref,
        'call',
        { sid, status, state, errorCode: errorCode(p.ErrorCode), answeredBy: p.AnsweredBy || null },
        clock.now(),
      );
      logger?.info({ delivery: ref.deliveryId, stage: ref.stage, sid, status, applied }, 'reminder call status');
      return { outcome: applied ? state : 'recorded' };
    },
  };
}
