/**
 * Sends one stage of one delivery: checks it is still wanted (campaign running, token not
 * replaced), picks the channel (SMS first; a call without an SMS-capable number, after an SMS
 * opt-out, or when the SMS failed), respects quiet hours, marks the stage 'sending', calls the
 * provider through the outbound port, and records what it said.
 *
 * Exactly once: the stage is claimed (compare-and-set, attempt number bumped) before the provider
 * is called. A worker that finds a stage still 'sending' after its lease (the previous worker died
 * between the provider's answer and our record) never sends again blindly: it takes the sid a
 * status callback recorded, or asks the provider (and the outbox) whether that attempt went out;
 * only a definite "not there" allows a new attempt.
 */
import type { OptOutRepository } from '../core/ports.js';
import type { Clock } from '../core/types.js';
import { canReceiveSms } from '../core/identifiers.js';
import { maskPhone } from '../core/mask.js';
import type { Logger } from '../logger.js';
import type {
  ChannelReason,
  DispatchContext,
  DispatchJob,
  JobInfo,
  JobOutcome,
  ReminderChannel,
  ReminderRepository,
  SendChannel,
} from './ports.js';
import type { AttemptRepository } from '../db/repositories/reminder-attempts.js';
import type { SenderRegistry } from './senders.js';
import { alongsideJobs, createAlongsideDispatcher } from './alongside.js';
import { hongKongDateOf, isOpen, nextOpen, type SendWindow } from './schedule.js';
import type { ReminderFacts } from './messages.js';

export interface DispatcherDeps {
  repo: ReminderRepository;
  /** Twilio's 21610 (the number replied STOP) is recorded here. */
  optOuts: Pick<OptOutRepository, 'set'>;
  /** One sender per channel and the ladder (src/reminders/senders.ts). */
  registry: SenderRegistry;
  /** The attempts of channels sent alongside the first rung (email). */
  attempts: AttemptRepository;
  clock: Clock;
  windows: Record<ReminderChannel, SendWindow>;
  /** The hotline (E.164) the messages give. */
  hotline: string;
  /**
   * How long a 'sending' mark is left alone before another worker may settle it. Must exceed the
   * provider's request timeout, so that a live worker is never taken over. Default 60 s.
   */
  leaseMs?: number;
  /** After this long without a way to learn the outcome, an uncertain stage is recorded as failed. Default 6 h. */
  uncertainAfterMs?: number;
  logger?: Logger;
}

export interface Dispatcher {
  dispatch(job: DispatchJob, info: JobInfo): Promise<JobOutcome>;
}

/** The `purpose` an outbound send carries (kept in the outbox): identifies delivery, stage, channel and attempt. */
export const sendPurpose = (r: { deliveryId: number; stage: number }, channel: SendChannel, attempt: number) =>
  `reminder:${r.deliveryId}:${r.stage}:${channel}:${attempt}`;

/** The query string every callback URL of one attempt carries. */
export const attemptQuery = (r: { deliveryId: number; stage: number }, attempt: number) =>
  `delivery=${r.deliveryId}&stage=${r.stage}&attempt=${attempt}`;

const TERMINAL = new Set(['sent', 'delivered', 'failed', 'skipped']);

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { repo, optOuts, registry, clock, windows, logger } = deps;
  const leaseMs = deps.leaseMs ?? 60_000;
  const uncertainAfterMs = deps.uncertainAfterMs ?? 6 * 60 * 60 * 1000;

  const done = (outcome: string, next?: DispatchJob): JobOutcome => (next ? { kind: 'done', outcome, next } : { kind: 'done', outcome });
  const log = (ctx: { deliveryId: number; stage: number }, outcome: string, extra: Record<string, unknown> = {}) =>
    logger?.info({ delivery: ctx.deliveryId, stage: ctx.stage, outcome, ...extra }, 'reminder dispatch');

  type Token = NonNullable<DispatchContext['token']>;
  type Recipient = NonNullable<DispatchContext['recipient']>;

  const facts = (token: Token): ReminderFacts => ({
    serial: token.serial,
    expiresOn: token.expiresOn,
    today: hongKongDateOf(clock.now()),
    hotline: deps.hotline,
  });

  /** Token still in service and driver reachable, or the outcome that ends this stage. */
  async function check(ctx: DispatchContext): Promise<{ token: Token; driver: Recipient } | JobOutcome> {
    const now = clock.now();
    // Checked at every send: a token replaced anywhere (admin API, back end, agent) stops its reminders.
    if (!ctx.token || ctx.token.status === 'replaced') {
      await repo.stopDelivery(ctx.deliveryId, 'replaced', now);
      return done('replaced');
    }
    if (!ctx.recipient) {
      await repo.skip(ctx, 'no_number', now);
      return done('no_number');
    }
    return { token: ctx.token, driver: ctx.recipient };
  }

  /** Why the driver cannot get `rung`, or null when it can. */
  const barred = (rung: ReminderChannel, driver: Recipient): ChannelReason | null => {
    if (rung !== 'sms') return null;
    if (!driver.smsCapable || !canReceiveSms(driver.mobile)) return 'no_sms_number';
    return driver.optedOut ? 'opted_out' : null;
  };

  /** The first rung of the ladder the driver can get (after a failed SMS, the rungs after it). */
  function chooseChannel(ctx: DispatchContext, driver: Recipient): { channel: ReminderChannel; reason: ChannelReason } | { none: ChannelReason } {
    const ladder = registry.ladder;
    const from = ctx.channelReason === 'sms_failed' && ctx.channel ? Math.max(0, ladder.indexOf(ctx.channel)) : 0;
    let why: ChannelReason | null = ctx.channelReason === 'sms_failed' ? 'sms_failed' : null;
    for (const rung of ladder.slice(from)) {
      const bar = barred(rung, driver);
      if (!bar) return { channel: rung, reason: why ?? rung };
      why ??= bar;
    }
    return { none: why ?? 'no_sms_number' };
  }

  async function send(
    ctx: DispatchContext,
    token: Token,
    driver: Recipient,
    channel: ReminderChannel,
    attempt: number,
    info: JobInfo,
    reason?: ChannelReason,
  ): Promise<JobOutcome> {
    const ref = { deliveryId: ctx.deliveryId, stage: ctx.stage, attempt };
    const purpose = sendPurpose(ctx, channel, attempt);
    const query = attemptQuery(ctx, attempt);
    const sender = registry.get(channel);
    let result;
    try {
      result = await sender.send({ to: driver.mobile, locale: driver.locale, facts: facts(token), purpose, query, demo: driver.demo });
    } catch (err) {
      // The port failed on our side (outbox or database): nothing reached the provider.
      result = { ok: false as const, kind: 'temporary' as const, code: null, status: null, message: err instanceof Error ? err.message : String(err) };
    }
    const now = clock.now();
    if (result.ok) {
      const recorded = await repo.recordSent(ref, channel, { sid: result.sid, via: result.via }, now, reason);
      log(ctx, 'sent', { channel, via: result.via, sid: result.sid, attempt, recorded });
      return done(recorded ? `sent_${channel}` : `sent_${channel}_settled_meanwhile`);
    }
    const permanent = sender.classify(result) === 'permanent' || info.finalAttempt;
    logger?.warn(
      { delivery: ctx.deliveryId, stage: ctx.stage, channel, kind: result.kind, errorCode: result.code, status: result.status, toMasked: maskPhone(driver.mobile), finalAttempt: info.finalAttempt },
      'reminder send refused',
    );
    if (!permanent) {
      await repo.recordTemporary(ref, `temporary ${result.code ?? ''}: ${result.message}`.slice(0, 500), now, reason);
      return { kind: 'retry', error: `temporary ${result.code ?? result.status ?? ''}` };
    }
    if (channel === 'sms' && registry.after('sms') === 'call') {
      // Twilio 21610: the number replied STOP to us at the carrier: keep our opt-out list in step.
      if (result.code === 21610) await optOuts.set(driver.mobile, true, now);
      return fallBack(ctx, attempt, result.code);
    }
    if (channel === 'sms' && result.code === 21610) await optOuts.set(driver.mobile, true, now);
    await repo.recordFailed(ref, channel, { code: result.code, message: `${result.kind}: ${result.message}`.slice(0, 500) }, now, reason);
    return done(`${channel}_failed`);
  }

  /** The SMS failed for good: the stage goes to a call, now or when the call window opens. */
  async function fallBack(ctx: { deliveryId: number; stage: number }, attempt: number, smsError: number | null): Promise<JobOutcome> {
    const now = clock.now();
    const open = isOpen(windows.call, now);
    const moved = await repo.fallBackToCall(
      { deliveryId: ctx.deliveryId, stage: ctx.stage, attempt },
      smsError,
      open ? { state: 'queued', dueAt: now } : { state: 'scheduled', dueAt: nextOpen(windows.call, now) },
      now,
    );
    if (!moved) return done('sms_failed_settled_meanwhile');
    return open ? done('sms_failed_call_now', { deliveryId: ctx.deliveryId, stage: ctx.stage, channel: 'call' }) : done('sms_failed_call_later');
  }

  /** The stage is 'sending': its worker may have died after the provider answered. */
  async function takeOver(ctx: DispatchContext, info: JobInfo): Promise<JobOutcome> {
    const now = clock.now();
    const since = ctx.sendingAt ?? now;
    if (now.getTime() - since.getTime() < leaseMs) {
      return { kind: 'later', delayMs: since.getTime() + leaseMs - now.getTime() + 250, outcome: 'lease_held' };
    }
    const channel = ctx.channel ?? 'sms';
    const ref = { deliveryId: ctx.deliveryId, stage: ctx.stage, attempt: ctx.attempt };
    const known = channel === 'sms' ? ctx.smsSid : ctx.callSid;
    if (known) {
      await repo.recordSent(ref, channel, { sid: known, via: 'provider' }, now);
      log(ctx, 'settled_from_callback', { channel, sid: known });
      return done('settled_from_callback');
    }
    const checked = await check(ctx);
    if ('kind' in checked) return checked;
    const { token, driver } = checked;
    const found = await registry.get(channel).lookup({
      to: driver.mobile,
      purpose: sendPurpose(ctx, channel, ctx.attempt),
      since,
      locale: driver.locale,
      facts: facts(token),
    });
    if (found.found === true) {
      await repo.recordSent(ref, channel, { sid: found.sid, via: found.via }, now);
      log(ctx, 'settled_from_lookup', { channel, sid: found.sid });
      if (found.status === 'failed' || found.status === 'undelivered') {
        if (channel === 'sms' && registry.after('sms') === 'call') return fallBack(ctx, ctx.attempt, null);
        await repo.recordFailed(ref, channel, { code: null, message: `provider status ${found.status}` }, now);
      }
      return done('settled_from_lookup');
    }
    if (found.found === false) {
      // Definitely never reached the provider: a new attempt is not a duplicate.
      const claim = await repo.reclaim(ctx.deliveryId, ctx.stage, ctx.attempt, now);
      if (!claim) return done('settled_meanwhile');
      log(ctx, 'resending_after_lookup', { channel, attempt: claim.attempt });
      if (!isOpen(windows[channel], now)) {
        await repo.recordTemporary({ ...ref, attempt: claim.attempt }, 'quiet hours', now);
        await repo.reschedule({ ...ref, fromStates: ['queued'] }, { dueAt: nextOpen(windows[channel], now) }, now);
        return done('quiet_hours');
      }
      return send(ctx, token, driver, channel, claim.attempt, info);
    }
    if (now.getTime() - since.getTime() > uncertainAfterMs) {
      await repo.recordFailed(ref, channel, { code: null, message: `uncertain: ${found.reason}`.slice(0, 500) }, now);
      logger?.error({ delivery: ctx.deliveryId, stage: ctx.stage, channel }, 'reminder outcome unknown: recorded as failed, not resent');
      return done('uncertain_gave_up');
    }
    return { kind: 'later', delayMs: leaseMs, outcome: 'uncertain_wait' };
  }

  /** The stage is ours ('sending', our attempt): check it is still wanted, then send. */
  async function sendClaimed(ctx: DispatchContext, job: DispatchJob, info: JobInfo, now: Date): Promise<JobOutcome> {
    const checked = await check(ctx);
    if ('kind' in checked) return checked;
    const { token, driver } = checked;
    const chosen = chooseChannel(ctx, driver);
    if ('none' in chosen) {
      await repo.skip(ctx, chosen.none, now);
      return done('no_channel');
    }
    const { channel, reason } = chosen;
    const ours = { deliveryId: ctx.deliveryId, stage: ctx.stage, attempt: ctx.attempt, fromStates: ['sending' as const] };
    if (channel !== job.channel) {
      // Each channel has its queue (and its provider limit): hand the stage over.
      const moved = await repo.reschedule(ours, { dueAt: now, channel, reason, state: 'queued' }, now);
      return moved ? done(`moved_to_${channel}`, { deliveryId: ctx.deliveryId, stage: ctx.stage, channel }) : done('settled_meanwhile');
    }
    if (!isOpen(windows[channel], now)) {
      await repo.reschedule(ours, { dueAt: nextOpen(windows[channel], now), channel, reason }, now);
      return done('quiet_hours');
    }
    // Email (and what else goes alongside) starts with the first rung the driver gets.
    const alongside = await alongsideJobs({ attempts: deps.attempts, registry, clock }, ctx);
    const out = await send(ctx, token, driver, channel, ctx.attempt, info, reason);
    if (alongside.length === 0 || out.kind !== 'done') return out;
    return { ...out, next: [...(out.next ? [out.next].flat() : []), ...alongside] };
  }

  const sendAlongside = createAlongsideDispatcher({
    repo,
    attempts: deps.attempts,
    registry,
    clock,
    facts,
    purpose: sendPurpose,
    leaseMs,
    ...(logger ? { logger } : {}),
  });

  return {
    async dispatch(job, info) {
      if (job.channel === 'email') return sendAlongside(job, info);
      const now = clock.now();
      // The common case, a due stage, is claimed and read in one statement.
      const claimed = await repo.claimForDispatch(job.deliveryId, job.stage, job.channel, now);
      if (claimed) return sendClaimed(claimed, job, info, now);

      const ctx = await repo.dispatchContext(job.deliveryId, job.stage);
      if (!ctx) return done('unknown_stage');
      if (ctx.deliveryStatus === 'stopped') return done('stopped');
      if (TERMINAL.has(ctx.state)) return done(`already_${ctx.state}`);
      if (ctx.state === 'sending') return takeOver(ctx, info);
      if (ctx.campaignStatus === 'paused') {
        // Back to the schedule: the scheduler hands it out again once the campaign resumes.
        await repo.reschedule({ ...ctx, fromStates: ['queued'] }, { dueAt: ctx.dueAt }, now);
        return done('paused');
      }
      return done('not_due');
    },
  };
}
