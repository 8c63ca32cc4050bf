/**
 * The in-process queue, for one machine without Redis: the same contract as the BullMQ queue
 * (one job per id while it waits or runs, exponential back-off, a start limit per channel) in
 * this process's memory. Nothing survives a restart: the scheduler hands out again, from
 * Postgres, whatever was queued or left 'sending' (see scheduler.ts), so nothing is lost either.
 * Run it in ONE process per database: two would each send their own copies of the timing, and
 * although the claim in Postgres still prevents double sends, the limits would no longer hold.
 */
import type { DispatchJob, JobHandler, PerChannel, ReminderQueue, SendChannel } from '../ports.js';
import { jobId } from '../ports.js';
import type { Logger } from '../../logger.js';

export interface MemoryQueueOptions {
  /** Starts per second per channel; 0 = no limit. */
  perSecond: PerChannel<number>;
  /** Jobs running at once per channel. Default sms 50, call 10. */
  concurrency?: Partial<Record<SendChannel, number>>;
  /** Runs of a job before a temporary failure is final. Default 8. */
  attempts?: number;
  /** First back-off delay in ms (doubles each time). Default 2000. */
  backoffMs?: number;
  logger?: Logger;
}

interface Entry {
  job: DispatchJob;
  id: string;
  attemptsMade: number;
  state: 'waiting' | 'delayed' | 'active';
  timer?: NodeJS.Timeout;
}

class Lane {
  readonly entries = new Map<string, Entry>();
  readonly ready: Entry[] = [];
  active = 0;
  private starts: number[] = [];
  private wake?: NodeJS.Timeout;
  handler: JobHandler | null = null;
  closed = false;

  constructor(
    private readonly perSecond: number,
    private readonly concurrency: number,
    private readonly attempts: number,
    private readonly backoffMs: number,
    private readonly onIdle: () => void,
    private readonly logger?: Logger,
  ) {}

  add(job: DispatchJob) {
    const id = jobId(job);
    if (this.entries.has(id)) return;
    const e: Entry = { job, id, attemptsMade: 0, state: 'waiting' };
    this.entries.set(id, e);
    this.ready.push(e);
    this.pump();
  }

  private delay(e: Entry, ms: number) {
    e.state = 'delayed';
    e.timer = setTimeout(() => {
      e.timer = undefined;
      if (this.closed) return;
      e.state = 'waiting';
      this.ready.push(e);
      this.pump();
    }, Math.max(0, ms));
  }

  /** Slots left under the per-second limit (a sliding one-second window of starts). */
  private allowance(now: number): number {
    if (this.perSecond <= 0) return Infinity;
    while (this.starts.length && now - this.starts[0]! >= 1000) this.starts.shift();
    return this.perSecond - this.starts.length;
  }

  pump() {
    if (!this.handler || this.closed) return;
    while (this.ready.length && this.active < this.concurrency) {
      const now = Date.now();
      if (this.allowance(now) <= 0) {
        if (!this.wake) {
          this.wake = setTimeout(() => {
            this.wake = undefined;
            this.pump();
          }, 1000 - (now - this.starts[0]!) + 1);
        }
        return;
      }
      if (this.perSecond > 0) this.starts.push(now);
      const e = this.ready.shift()!;
      void this.run(e);
    }
    if (this.entries.size === 0) this.onIdle();
  }

  private async run(e: Entry) {
    e.state = 'active';
    this.active++;
    const attempt = e.attemptsMade + 1;
    try {
      const out = await this.handler!(e.job, { attempt, finalAttempt: attempt >= this.attempts });
      if (out.kind === 'retry') throw new Error(out.error);
      if (out.kind === 'later') {
        this.delay(e, out.delayMs);
      } else {
        this.entries.delete(e.id);
        if (out.next) for (const n of [out.next].flat()) this.add(n);
      }
    } catch (err) {
      e.attemptsMade++;
      if (e.attemptsMade >= this.attempts) {
        this.entries.delete(e.id);
        this.logger?.warn({ job: e.id, err: err instanceof Error ? err.message : String(err) }, 'reminder job gave up');
      } else {
        this.delay(e, this.backoffMs * 2 ** (e.attemptsMade - 1));
      }
    } finally {
      this.active--;
      this.pump();
    }
  }

  close() {
    this.closed = true;
    if (this.wake) clearTimeout(this.wake);
    for (const e of this.entries.values()) if (e.timer) clearTimeout(e.timer);
  }
}

export interface MemoryQueue extends ReminderQueue {
  /** Resolves once no job waits, is delayed or runs (tests, the campaign CLI). */
  idle(): Promise<void>;
}

export function createMemoryQueue(opts: MemoryQueueOptions): MemoryQueue {
  const attempts = opts.attempts ?? 8;
  const backoffMs = opts.backoffMs ?? 2000;
  let waiters: (() => void)[] = [];
  const isIdle = () => Object.values(lanes).every((l) => l.entries.size === 0);
  const onIdle = () => {
    if (!isIdle()) return;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const lanes: Record<SendChannel, Lane> = {
    sms: new Lane(opts.perSecond.sms, opts.concurrency?.sms ?? 50, attempts, backoffMs, onIdle, opts.logger),
    call: new Lane(opts.perSecond.call, opts.concurrency?.call ?? 10, attempts, backoffMs, onIdle, opts.logger),
    email: new Lane(opts.perSecond.email ?? 0, opts.concurrency?.email ?? 5, attempts, backoffMs, onIdle, opts.logger),
  };
  return {
    kind: 'memory',
    async add(jobs) {
      for (const j of jobs) lanes[j.channel].add(j);
    },
    async process(handler) {
      for (const l of Object.values(lanes)) {
        l.handler = handler;
        l.pump();
      }
    },
    async counts() {
      const c = (l: Lane) => {
        let waiting = 0, delayed = 0, active = 0;
        for (const e of l.entries.values()) {
          if (e.state === 'waiting') waiting++;
          else if (e.state === 'delayed') delayed++;
          else active++;
        }
        return { waiting, delayed, active };
      };
      return { sms: c(lanes.sms), call: c(lanes.call), email: c(lanes.email) };
    },
    idle() {
      if (isIdle()) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    async close() {
      for (const l of Object.values(lanes)) l.close();
      // Let running jobs finish: their outcome is recorded in Postgres.
      while (Object.values(lanes).some((l) => l.active > 0)) await new Promise((r) => setTimeout(r, 10));
      for (const l of Object.values(lanes)) l.entries.clear();
      onIdle();
    },
  };
}
