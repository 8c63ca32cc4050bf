/**
 * Sends what goes alongside a stage's first rung (email): its own attempts record
 * (reminder_attempts), its own queue, the same guarantees as a rung. The attempt is marked
 * 'sending' before the sender is called; one found still 'sending' after its lease is settled from
 * the outbox (or the sender's lookup) and never resent blindly: SMTP cannot be asked whether a
 * message went, so an uncertain email is recorded as failed rather than sent twice.
 */
import type { Clock } from '../core/types.js';
import type { Logger } from '../logger.js';
import type { AttemptRef, AttemptRepository } from '../db/repositories/reminder-attempts.js';
import type { DispatchContext, DispatchJob, JobInfo, JobOutcome, ReminderRepository, SendChannel } from './ports.js';
import type { SenderRegistry } from './senders.js';
import type { ReminderFacts } from './messages.js';

export interface AlongsideDeps {
  repo: Pick<ReminderRepository, 'dispatchContext' | 'outboxSid'>;
  attempts: AttemptRepository;
  registry: SenderRegistry;
  clock: Clock;
  facts(token: NonNullable<DispatchContext['token']>): ReminderFacts;
  purpose(r: { deliveryId: number; stage: number }, channel: SendChannel, attempt: number): string;
  leaseMs: number;
  logger?: Logger;
}

/** The address of `channel` for this driver, or why there is none. */
export function addressOf(channel: SendChannel, ctx: DispatchContext): { to: string } | { skip: string } {
  const r = ctx.recipient;
  if (channel !== 'email') return { skip: 'not_alongside' };
  if (!r?.email) return { skip: 'no_address' };
  if (r.emailOptedOut) return { skip: 'opted_out' };
  return { to: r.email };
}

/**
 * Opens the attempts of the channels that go alongside the stage (when the driver has an address
 * and did not unsubscribe) and answers the jobs that send them; none when already sent.
 */
export async function alongsideJobs(deps: Pick<AlongsideDeps, 'attempts' | 'registry' | 'clock'>, ctx: DispatchContext): Promise<DispatchJob[]> {
  const jobs: DispatchJob[] = [];
  for (const channel of deps.registry.alongside) {
    if ('skip' in addressOf(channel, ctx)) continue;
    const ref = { deliveryId: ctx.deliveryId, stage: ctx.stage, channel };
    if (await deps.attempts.open(ref, deps.clock.now())) jobs.push(ref);
  }
  return jobs;
}

const done = (outcome: string): JobOutcome => ({ kind: 'done', outcome });

export function createAlongsideDispatcher(deps: AlongsideDeps): (job: DispatchJob, info: JobInfo) => Promise<JobOutcome> {
  const { attempts, registry, clock, logger } = deps;

  async function send(ref: AttemptRef, attempt: number, info: JobInfo): Promise<JobOutcome> {
    const now = clock.now();
    const ctx = await deps.repo.dispatchContext(ref.deliveryId, ref.stage);
    if (!ctx || ctx.deliveryStatus === 'stopped' || !ctx.token || ctx.token.status === 'replaced') {
      await attempts.skip(ref, 'replaced', now);
      return done('replaced');
    }
    const address = addressOf(ref.channel, ctx);
    if ('skip' in address) {
      await attempts.skip(ref, address.skip, now);
      return done(address.skip);
    }
    const sender = registry.get(ref.channel);
    const purpose = deps.purpose(ref, ref.channel, attempt);
    let result;
    try {
      result = await sender.send({
        to: address.to,
        locale: ctx.recipient!.locale,
        facts: deps.facts(ctx.token),
        purpose,
        query: `delivery=${ref.deliveryId}&stage=${ref.stage}&attempt=${attempt}`,
        demo: ctx.recipient!.demo,
      });
    } catch (err) {
      result = { ok: false as const, kind: 'temporary' as const, code: null, status: null, message: err instanceof Error ? err.message : String(err) };
    }
    const at = clock.now();
    if (result.ok) {
      await attempts.recordSent(ref, attempt, { id: result.sid, via: result.via }, at);
      logger?.info({ delivery: ref.deliveryId, stage: ref.stage, channel: ref.channel, via: result.via }, 'reminder sent alongside');
      return done(`sent_${ref.channel}`);
    }
    const permanent = sender.classify(result) === 'permanent' || info.finalAttempt;
    logger?.warn(
      { delivery: ref.deliveryId, stage: ref.stage, channel: ref.channel, errorCode: result.code, permanent },
      'reminder send refused',
    );
    if (!permanent) {
      await attempts.recordTemporary(ref, attempt, `temporary ${result.code ?? ''}: ${result.message}`.slice(0, 500), at);
      return { kind: 'retry', error: `temporary ${result.code ?? ''}` };
    }
    await attempts.recordFailed(ref, attempt, { code: result.code, message: `permanent: ${result.message}`.slice(0, 500) }, at);
    return done(`${ref.channel}_failed`);
  }

  return async (job, info) => {
    const ref: AttemptRef = { deliveryId: job.deliveryId, stage: job.stage, channel: job.channel };
    const now = clock.now();
    const claimed = await attempts.claim(ref, now);
    if (claimed) return send(ref, claimed.attempt, info);
    const row = await attempts.get(ref);
    if (!row) return done('unknown_attempt');
    if (row.state !== 'sending') return done(`already_${row.state}`);
    // Still 'sending': its worker may have died after the server took the message.
    const since = row.sendingAt ?? now;
    if (now.getTime() - since.getTime() < deps.leaseMs) {
      return { kind: 'later', delayMs: since.getTime() + deps.leaseMs - now.getTime() + 250, outcome: 'lease_held' };
    }
    const purpose = deps.purpose(ref, ref.channel, row.attempt);
    const kept = await deps.repo.outboxSid(purpose);
    if (kept) {
      await attempts.recordSent(ref, row.attempt, { id: kept, via: 'outbox' }, now);
      return done('settled_from_outbox');
    }
    const ctx = await deps.repo.dispatchContext(ref.deliveryId, ref.stage);
    const address = ctx ? addressOf(ref.channel, ctx) : { skip: 'gone' };
    const found =
      ctx?.token && 'to' in address
        ? await registry.get(ref.channel).lookup({ to: address.to, purpose, since, locale: ctx.recipient!.locale, facts: deps.facts(ctx.token) })
        : ({ found: 'unknown', reason: 'no address' } as const);
    if (found.found === true) {
      await attempts.recordSent(ref, row.attempt, { id: found.sid, via: found.via }, now);
      return done('settled_from_lookup');
    }
    if (found.found === false) {
      const again = await attempts.reclaim(ref, row.attempt, now);
      return again ? send(ref, again.attempt, info) : done('settled_meanwhile');
    }
    await attempts.recordFailed(ref, row.attempt, { code: null, message: `uncertain: ${found.reason}`.slice(0, 500) }, now);
    logger?.error({ delivery: ref.deliveryId, stage: ref.stage, channel: ref.channel }, 'reminder outcome unknown: recorded as failed, not resent');
    return done('uncertain_gave_up');
  };
}
