/**
 * The reminders wired in one process for a test: a database from dbTargets(), the outbound port
 * with the real Twilio provider (msw answers for api.twilio.com), the in-process queue, a fake clock.
 */
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/connect.js';
import { createDataPorts } from '../../src/db/repositories/index.js';
import { createOutbound } from '../../src/core/outbound.js';
import { createTwilioProvider } from '../../src/channels/twilio/rest.js';
import { twilioClient } from '../../src/node/twilio-transport.js';
import type { DataPorts } from '../../src/core/ports.js';
import { reminderKit, type ReminderKit } from '../../src/reminders/index.js';
import { createMemoryQueue, type MemoryQueue } from '../../src/reminders/queue/memory.js';
import { createScheduler, type Scheduler } from '../../src/reminders/scheduler.js';
import type { Dispatcher } from '../../src/reminders/dispatch.js';
import { fakeClock, type FakeClock } from '../helpers/clock.js';
import { ACCOUNT_SID, AUTH_TOKEN, FROM } from './fake-twilio.js';
import { hkAt } from './fixtures.js';

export const PUBLIC_BASE = 'https://rocars.example';
export const LEASE_MS = 60_000;

export interface Harness {
  db: Database;
  ports: DataPorts;
  clock: FakeClock;
  kit: ReminderKit;
  queue: MemoryQueue;
  scheduler: Scheduler;
  dispatcher: Dispatcher;
  /** Scheduler passes and queue runs until nothing more happens at the current (fake) time. */
  run(): Promise<void>;
  close(): Promise<void>;
}

export async function harness(db: Database, env: Record<string, string> = {}): Promise<Harness> {
  const config = loadConfig({
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_FROM_NUMBER: FROM,
    PUBLIC_BASE_URL: PUBLIC_BASE,
    ...env,
  });
  const clock = fakeClock(hkAt('2026-10-01'));
  const ports = createDataPorts(db.sql);
  const provider = createTwilioProvider({ client: twilioClient(ACCOUNT_SID, AUTH_TOKEN), from: FROM });
  const outbound = createOutbound({ outbox: ports.outbox, drivers: ports.drivers, provider, clock });
  const kit = reminderKit({ sql: db.sql, ports, outbound, clock, config });
  const queue = createMemoryQueue({ perSecond: { sms: 0, call: 0 }, attempts: 4, backoffMs: 5 });
  const dispatcher = kit.dispatcher({ leaseMs: LEASE_MS });
  await queue.process((job, info) => dispatcher.dispatch(job, info));
  const scheduler = createScheduler({ repo: kit.repo, alongside: kit.attempts, queue, clock, leaseMs: LEASE_MS, requeueAfterMs: LEASE_MS });
  return {
    db,
    ports,
    clock,
    kit,
    queue,
    scheduler,
    dispatcher,
    async run() {
      for (let i = 0; i < 5; i++) {
        const n = await scheduler.tick({ sweep: true });
        await queue.idle();
        if (n === 0 && i > 0) return;
      }
    },
    async close() {
      await queue.close();
    },
  };
}
