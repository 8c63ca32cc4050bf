/**
 * The queue on BullMQ (Redis): one queue per channel, so each provider limit (messages per
 * second, calls per second) is a BullMQ limiter shared by every worker on every machine.
 * Job ids (`<delivery>-<stage>`) keep one job per stage while it waits or runs; finished jobs are
 * removed, since Postgres holds the outcome and refuses a second claim. A worker that dies leaves
 * its jobs locked until `lockDurationMs`; BullMQ's stalled check then hands them to another worker.
 */
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { DispatchJob, JobHandler, PerChannel, ReminderQueue, SendChannel } from '../ports.js';
import { jobId } from '../ports.js';
import type { Logger } from '../../logger.js';

export interface BullQueueOptions {
  /** REDIS_URL (a database number in the path is honoured). */
  redisUrl: string;
  /** Key prefix of every BullMQ key. Default 'rocars'. */
  prefix?: string;
  /** Starts per second per channel, for every worker together; 0 = no limit. */
  perSecond: PerChannel<number>;
  /** Jobs running at once per channel in this process. Default sms 50, call 10. */
  concurrency?: Partial<Record<SendChannel, number>>;
  /** Runs of a job before a temporary failure is final. Default 8. */
  attempts?: number;
  /** First back-off delay in ms (doubles each time). Default 2000. */
  backoffMs?: number;
  /** How long a worker's lock on a job lasts without renewal. Default 30 000. */
  lockDurationMs?: number;
  /** How often workers look for stalled jobs. Default 30 000. */
  stalledIntervalMs?: number;
  logger?: Logger;
}

export const QUEUE_NAMES: Record<SendChannel, string> = { sms: 'reminders-sms', call: 'reminders-call', email: 'reminders-email' };
const CHANNELS = ['sms', 'call', 'email'] as const;

export function createBullQueue(opts: BullQueueOptions): ReminderQueue {
  const prefix = opts.prefix ?? 'rocars';
  const attempts = opts.attempts ?? 8;
  const backoffMs = opts.backoffMs ?? 2000;
  // BullMQ's blocking commands need ioredis without a per-request retry limit.
  const connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  const queues: Record<SendChannel, Queue> = {
    sms: new Queue(QUEUE_NAMES.sms, { connection, prefix }),
    call: new Queue(QUEUE_NAMES.call, { connection, prefix }),
    email: new Queue(QUEUE_NAMES.email, { connection, prefix }),
  };
  const workers: Worker[] = [];
  const jobOptions = {
    attempts,
    backoff: { type: 'exponential' as const, delay: backoffMs },
    removeOnComplete: true,
    removeOnFail: true,
  };

  const add = async (jobs: DispatchJob[]) => {
    for (const channel of CHANNELS) {
      const mine = jobs.filter((j) => j.channel === channel);
      if (mine.length === 0) continue;
      await queues[channel].addBulk(
        mine.map((j) => ({ name: 'dispatch', data: j, opts: { ...jobOptions, jobId: jobId(j) } })),
      );
    }
  };

  return {
    kind: 'bullmq',
    add,
    async process(handler: JobHandler) {
      for (const channel of CHANNELS) {
        const perSecond = opts.perSecond[channel] ?? 0;
        const worker = new Worker<DispatchJob>(
          QUEUE_NAMES[channel],
          async (job: Job<DispatchJob>, token?: string) => {
            const attempt = job.attemptsMade + 1;
            const out = await handler(job.data, { attempt, finalAttempt: attempt >= (job.opts.attempts ?? 1) });
            if (out.kind === 'retry') throw new Error(out.error);
            if (out.kind === 'later') {
              await job.moveToDelayed(Date.now() + out.delayMs, token);
              throw new DelayedError();
            }
            if (out.next) await add([out.next].flat());
            return out.outcome;
          },
          {
            connection,
            prefix,
            concurrency: opts.concurrency?.[channel] ?? { sms: 50, call: 10, email: 5 }[channel],
            ...(perSecond > 0 ? { limiter: { max: perSecond, duration: 1000 } } : {}),
            lockDuration: opts.lockDurationMs ?? 30_000,
            stalledInterval: opts.stalledIntervalMs ?? 30_000,
            // A stalled job is one whose worker died: hand it on, however often that happens.
            maxStalledCount: 1000,
          },
        );
        worker.on('error', (err) => opts.logger?.error({ err: err.message, queue: QUEUE_NAMES[channel] }, 'reminder worker error'));
        worker.on('failed', (job, err) =>
          opts.logger?.warn({ job: job?.id, attemptsMade: job?.attemptsMade, err: err.message }, 'reminder job failed'),
        );
        workers.push(worker);
      }
      await Promise.all(workers.map((w) => w.waitUntilReady()));
    },
    async counts() {
      const c = async (q: Queue) => {
        const n = await q.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
        return { waiting: (n.waiting ?? 0) + (n.prioritized ?? 0), delayed: n.delayed ?? 0, active: n.active ?? 0 };
      };
      return { sms: await c(queues.sms), call: await c(queues.call), email: await c(queues.email) };
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(Object.values(queues).map((q) => q.close()));
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}

/** Removes every key of the reminder queues under `prefix` (tests and benchmarks clean up with it). */
export async function obliterateBullQueues(redisUrl: string, prefix: string): Promise<void> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  try {
    for (const name of Object.values(QUEUE_NAMES)) {
      const q = new Queue(name, { connection, prefix });
      await q.obliterate({ force: true });
      await q.close();
    }
  } finally {
    await connection.quit().catch(() => connection.disconnect());
  }
}
