/**
 * Moves due stages from Postgres to the queue. Every worker runs one; they share the work through
 * row locks (SKIP LOCKED), and job ids make a stage handed out twice harmless. Long waits (days
 * until a stage, a night of quiet hours, a paused campaign) live in Postgres, not in Redis.
 */
import type { Clock } from '../core/types.js';
import type { Logger } from '../logger.js';
import type { ReminderQueue, ReminderRepository } from './ports.js';
import type { AttemptRepository } from '../db/repositories/reminder-attempts.js';

export interface SchedulerOptions {
  repo: Pick<ReminderRepository, 'takeDue'>;
  queue: Pick<ReminderQueue, 'add'>;
  /** The attempts sent alongside the ladder (email): their lost jobs are handed out again by the safety net. */
  alongside?: Pick<AttemptRepository, 'stuck'>;
  clock: Clock;
  logger?: Logger;
  /** Stages handed out per transaction. Default 1000. */
  batch?: number;
  /** Pause between passes when nothing was due, ms. Default 2000. */
  idleMs?: number;
  /**
   * A stage queued this long ago and not yet sent is handed out again, in case its job was lost
   * (a crash of the in-process queue, a BullMQ job given up). Default 10 minutes.
   */
  requeueAfterMs?: number;
  /** The dispatcher's lease: a 'sending' stage older than this may be settled by another worker. */
  leaseMs?: number;
}

export interface Scheduler {
  /**
   * One pass: hands out everything due now (and, with `sweep` or when its time has come, what was
   * handed out long ago and not settled). Returns how many stages were handed out.
   */
  tick(opts?: { sweep?: boolean }): Promise<number>;
  /** Runs passes until `stop()`. With `recover`, the first pass hands out every open stage (in-process queue after a restart). */
  start(opts?: { recover?: boolean }): void;
  stop(): Promise<void>;
}

export function createScheduler(o: SchedulerOptions): Scheduler {
  const batch = o.batch ?? 1000;
  const idleMs = o.idleMs ?? 2000;
  const leaseMs = o.leaseMs ?? 60_000;
  let running = false;
  let stopping = false;
  let loop: Promise<void> | null = null;
  let sleeper: { timer: NodeJS.Timeout; resolve: () => void } | null = null;

  const requeueAfter = o.requeueAfterMs ?? 10 * 60_000;
  // The safety net (stages handed out long ago) is a wide scan: every half requeue period is enough.
  let lastStuckScan = -Infinity;
  const pass = async (requeueAfterMs: number, sweep = false) => {
    const now = o.clock.now().getTime();
    // (abs: a clock set back must not silence the safety net.)
    const stuck = sweep || requeueAfterMs === 0 || Math.abs(now - lastStuckScan) >= requeueAfter / 2;
    if (stuck) lastStuckScan = now;
    let total = 0;
    if (stuck && o.alongside) {
      const at = o.clock.now().getTime();
      const jobs = await o.alongside.stuck(new Date(at - requeueAfterMs), new Date(at - leaseMs), batch);
      if (jobs.length) await o.queue.add(jobs);
      total += jobs.length;
    }
    for (;;) {
      const n = await o.repo.takeDue(o.clock.now(), { limit: batch, requeueAfterMs, leaseMs, stuck }, (jobs) => o.queue.add(jobs));
      total += n;
      if (n < batch || stopping) return total;
    }
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        sleeper = null;
        resolve();
      }, ms);
      sleeper = { timer, resolve };
    });

  return {
    tick: (opts) => pass(requeueAfter, opts?.sweep),
    start(opts) {
      if (running) return;
      running = true;
      stopping = false;
      loop = (async () => {
        let first = Boolean(opts?.recover);
        while (running) {
          try {
            await pass(first ? 0 : requeueAfter);
            first = false;
          } catch (err) {
            o.logger?.error({ err: err instanceof Error ? err.message : String(err) }, 'reminder scheduler pass failed');
          }
          if (running) await sleep(idleMs);
        }
      })();
    },
    async stop() {
      running = false;
      stopping = true;
      if (sleeper) {
        clearTimeout(sleeper.timer);
        sleeper.resolve();
      }
      await loop;
      loop = null;
    },
  };
}
