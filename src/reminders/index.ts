// Outbound token-replacement campaigns: queue port, BullMQ and in-process implementations, scheduling, dispatch.
import type { Config } from '../config.js';
import type { Runtime } from '../runtime.js';
import type { ReminderChannel, ReminderQueue } from './ports.js';
import type { ReminderKit } from './kit.js';
import { createScheduler, type Scheduler, type SchedulerOptions } from './scheduler.js';
import { createMemoryQueue, type MemoryQueue, type MemoryQueueOptions } from './queue/memory.js';
import { createBullQueue, type BullQueueOptions } from './queue/bullmq.js';

export * from './ports.js';
export { reminderKit } from './kit.js';
export type { ReminderKit, ReminderParts } from './kit.js';
export { createCampaignService, campaignInputSchema, replacementSchema, parseWith } from './campaigns.js';
export type { CampaignService, CampaignPreview, CampaignSelection } from './campaigns.js';
export { createDispatcher, sendPurpose, attemptQuery } from './dispatch.js';
export { createScheduler } from './scheduler.js';
export { createMemoryQueue } from './queue/memory.js';
export { createBullQueue, obliterateBullQueues, QUEUE_NAMES } from './queue/bullmq.js';
export { createProviderLookup } from './lookup.js';
export { createStatusCallbacks, parseAttemptRef } from './callbacks.js';
export { parseWindow, isOpen, nextOpen, planStages } from './schedule.js';

export interface ReminderWorker {
  queue: ReminderQueue;
  scheduler: Scheduler;
  stop(): Promise<void>;
}

export interface WorkerOptions {
  queue: ReminderQueue;
  leaseMs?: number;
  uncertainAfterMs?: number;
  scheduler?: Pick<SchedulerOptions, 'batch' | 'idleMs' | 'requeueAfterMs'>;
}

/**
 * Consumes the queue and runs the scheduler in this process. With the in-process queue the first
 * scheduler pass hands out again everything left open by a previous run (nothing is lost by a restart).
 */
export async function startReminderWorker(kit: ReminderKit, opts: WorkerOptions): Promise<ReminderWorker> {
  const leaseMs = opts.leaseMs ?? 60_000;
  const dispatcher = kit.dispatcher({ leaseMs, ...(opts.uncertainAfterMs ? { uncertainAfterMs: opts.uncertainAfterMs } : {}) });
  await opts.queue.process((job, info) => dispatcher.dispatch(job, info));
  const scheduler = createScheduler({
    repo: kit.repo,
    alongside: kit.attempts,
    queue: opts.queue,
    clock: kit.parts.clock,
    leaseMs,
    ...opts.scheduler,
    ...(kit.parts.logger ? { logger: kit.parts.logger } : {}),
  });
  scheduler.start({ recover: opts.queue.kind === 'memory' });
  return {
    queue: opts.queue,
    scheduler,
    async stop() {
      await scheduler.stop();
      await opts.queue.close();
    },
  };
}

/** Provider limits from the configuration (0 = off). */
export const perSecondOf = (config: Config): Record<ReminderChannel, number> => ({
  sms: config.PROVIDER_SMS_PER_SECOND,
  call: config.PROVIDER_CALLS_PER_SECOND,
});

/** The in-process queue sized from the configuration. */
export const memoryQueueFor = (config: Config, opts: Partial<MemoryQueueOptions> = {}): MemoryQueue =>
  createMemoryQueue({ perSecond: perSecondOf(config), ...opts });

/** The BullMQ queue on REDIS_URL. */
export function bullQueueFor(config: Config, opts: Partial<BullQueueOptions> = {}): ReminderQueue {
  if (!config.REDIS_URL) throw new Error('REDIS_URL is not set: without Redis, reminders run in process (startInProcessReminders)');
  return createBullQueue({ redisUrl: config.REDIS_URL, perSecond: perSecondOf(config), ...opts });
}

/**
 * For `src/main.ts` when REDIS_URL is not set: one machine sends the reminders itself, with the
 * in-process queue (with REDIS_URL, `npm run worker` processes do it, on as many machines as wanted).
 */
export function startInProcessReminders(rt: Runtime, opts: Partial<MemoryQueueOptions> = {}): Promise<ReminderWorker> {
  return startReminderWorker(rt.reminders, { queue: memoryQueueFor(rt.config, { ...(rt.logger ? { logger: rt.logger } : {}), ...opts }) });
}

/**
 * Where reminders are sent from: `npm run worker` processes when Redis and a shared Postgres are
 * configured; otherwise this very process (the embedded database cannot be shared).
 */
export const reminderMode = (config: Config): 'workers' | 'in-process' =>
  config.REDIS_URL && config.DATABASE_URL ? 'workers' : 'in-process';

/**
 * For `src/main.ts`: starts the in-process reminder worker when this process is the one that
 * sends (see `reminderMode`), and returns how to stop it; with workers it does nothing.
 */
export async function startReminders(rt: Runtime): Promise<{ mode: 'workers' | 'in-process'; stop(): Promise<void> }> {
  const mode = reminderMode(rt.config);
  if (mode === 'workers') return { mode, stop: async () => {} };
  const worker = await startInProcessReminders(rt);
  return { mode, stop: () => worker.stop() };
}
