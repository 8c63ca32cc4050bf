/**
 * Twilio status callbacks of reminder messages and calls (MessageStatus, CallStatus). Their URLs
 * carry the delivery, stage and attempt, so a callback settles its stage even when the worker
 * that sent it died before recording the sid. A failed SMS turns the stage into a call.
 */
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

/** Reads `delivery`, `stage` and `attempt` from a callback URL's query; names the first bad one. */
export function parseAttemptRef(q: (name: string) => string | undefined): { ok: true; ref: AttemptRef } | { ok: false; field: string } {
  const out: Record<string, number> = {};
  for (const name of ['delivery', 'stage', 'attempt'] as const) {
    const v = q(name);
    if (!v || !/^\d{1,15}$/.test(v)) return { ok: false, field: name };
    out[name] = Number(v);
  }
  return { ok: true, ref: { deliveryId: out.delivery!, stage: out.stage!, attempt: out.attempt! } };
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
