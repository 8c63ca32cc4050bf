// The queue port's contract, run against the in-process queue always and BullMQ when TEST_REDIS_URL is set.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { DispatchJob, JobHandler, JobInfo, ReminderChannel, ReminderQueue } from '../../src/reminders/ports.js';
import { jobId } from '../../src/reminders/ports.js';
import { createMemoryQueue } from '../../src/reminders/queue/memory.js';
import { createBullQueue, obliterateBullQueues } from '../../src/reminders/queue/bullmq.js';

interface Target {
  name: string;
  make(perSecond?: Record<ReminderChannel, number>): ReminderQueue;
  cleanup(): Promise<void>;
}

const redisUrl = process.env.TEST_REDIS_URL;
const prefix = `rtest-q-${randomBytes(4).toString('hex')}`;
let n = 0;

const targets: Target[] = [
  {
    name: 'memory',
    make: (perSecond = { sms: 0, call: 0 }) => createMemoryQueue({ perSecond, attempts: 3, backoffMs: 10 }),
    cleanup: async () => {},
  },
];
if (redisUrl) {
  targets.push({
    name: 'bullmq',
    // A prefix per queue instance: tests do not see each other's jobs.
    make: (perSecond = { sms: 0, call: 0 }) =>
      createBullQueue({ redisUrl, prefix: `${prefix}-${++n}`, perSecond, attempts: 3, backoffMs: 10, lockDurationMs: 5000, stalledIntervalMs: 5000 }),
    cleanup: async () => {
      for (let i = 1; i <= n; i++) await obliterateBullQueues(redisUrl, `${prefix}-${i}`);
    },
  });
}

/** Runs until `expected` handler calls were seen (or fails after a while). */
function recorder() {
  const calls: { job: DispatchJob; info: JobInfo; at: number }[] = [];
  let waiters: { count: number; resolve: () => void }[] = [];
  return {
    calls,
    note(job: DispatchJob, info: JobInfo) {
      calls.push({ job, info, at: Date.now() });
      waiters = waiters.filter((w) => (calls.length >= w.count ? (w.resolve(), false) : true));
    },
    until(count: number, ms = 10_000) {
      if (calls.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`only ${calls.length} of ${count} runs`)), ms);
        waiters.push({ count, resolve: () => (clearTimeout(t), resolve()) });
      });
    },
  };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
const job = (deliveryId: number, stage = 30, channel: ReminderChannel = 'sms'): DispatchJob => ({ deliveryId, stage, channel });

beforeAll(async () => {
  if (!redisUrl) return;
  // Set but unreachable is a failure, not a skip.
  const r = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 3000, lazyConnect: true });
  try {
    await r.connect();
    expect(await r.ping()).toBe('PONG');
  } finally {
    r.disconnect();
  }
});

describe.each(targets)('reminder queue ($name)', (target) => {
  const open: ReminderQueue[] = [];
  const make = (perSecond?: Record<ReminderChannel, number>) => {
    const q = target.make(perSecond);
    open.push(q);
    return q;
  };
  afterEach(async () => {
    while (open.length) await open.pop()!.close();
  });
  afterAll(() => target.cleanup());

  it('names a job after its delivery and stage', () => {
    expect(jobId(job(42, 7))).toBe('42-7');
  });

  it('keeps one job per id while it waits', async () => {
    const q = make();
    const rec = recorder();
    await q.add([job(1), job(1), job(2)]);
    await q.add([job(1)]);
    await q.process(async (j, info) => (rec.note(j, info), { kind: 'done', outcome: 'ok' }));
    await rec.until(2);
    await settle(300);
    expect(rec.calls.map((c) => c.job.deliveryId).sort()).toEqual([1, 2]);
  });

  it('retries a temporary failure with back-off, telling the handler its last attempt', async () => {
    const q = make();
    const rec = recorder();
    await q.process(async (j, info): Promise<ReturnType<JobHandler> extends Promise<infer O> ? O : never> => {
      rec.note(j, info);
      return info.attempt < 3 ? { kind: 'retry', error: '429' } : { kind: 'done', outcome: 'sent' };
    });
    await q.add([job(3)]);
    await rec.until(3);
    await settle(200);
    expect(rec.calls.map((c) => [c.info.attempt, c.info.finalAttempt])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
  });

  it('gives up after the last attempt', async () => {
    const q = make();
    const rec = recorder();
    await q.process(async (j, info) => (rec.note(j, info), { kind: 'retry', error: '503' }));
    await q.add([job(4)]);
    await rec.until(3);
    await settle(300);
    expect(rec.calls).toHaveLength(3);
  });

  it('runs a job again later without using up an attempt', async () => {
    const q = make();
    const rec = recorder();
    await q.process(async (j, info) => {
      rec.note(j, info);
      return rec.calls.length === 1 ? { kind: 'later', delayMs: 50, outcome: 'lease_held' } : { kind: 'done', outcome: 'sent' };
    });
    await q.add([job(5)]);
    await rec.until(2);
    expect(rec.calls.map((c) => c.info.attempt)).toEqual([1, 1]);
  });

  it('hands a follow-up job to the other channel', async () => {
    const q = make();
    const rec = recorder();
    await q.process(async (j, info) => {
      rec.note(j, info);
      return j.channel === 'sms' ? { kind: 'done', outcome: 'moved', next: { ...j, channel: 'call' } } : { kind: 'done', outcome: 'called' };
    });
    await q.add([job(6)]);
    await rec.until(2);
    expect(rec.calls.map((c) => c.job.channel)).toEqual(['sms', 'call']);
  });

  it('limits starts per second per channel', async () => {
    const q = make({ sms: 5, call: 0 });
    const rec = recorder();
    await q.process(async (j, info) => (rec.note(j, info), { kind: 'done', outcome: 'ok' }));
    await q.add(Array.from({ length: 10 }, (_, i) => job(100 + i)));
    await q.add(Array.from({ length: 5 }, (_, i) => job(200 + i, 30, 'call')));
    await rec.until(15);
    const sms = rec.calls.filter((c) => c.job.channel === 'sms').map((c) => c.at);
    const calls = rec.calls.filter((c) => c.job.channel === 'call').map((c) => c.at);
    // The sixth message had to wait for the next second; calls have no limit here.
    expect(sms[5]! - sms[0]!).toBeGreaterThanOrEqual(900);
    expect(Math.max(...calls) - Math.min(...calls)).toBeLessThan(900);
  });
});
