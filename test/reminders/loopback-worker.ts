/**
 * A reminder worker process for the crash test and the benchmark: the same worker as
 * `npm run worker` (BullMQ on Redis, Postgres, the scheduler), its provider a fake Twilio on
 * loopback, and a clock that the parent moves by writing an offset (ms) into CLOCK_FILE.
 * Env: DATABASE_URL, REDIS_URL, QUEUE_PREFIX, FAKE_TWILIO_URL, CLOCK_FILE, LEASE_MS, LOCK_MS,
 * REQUEUE_MS, SMS_CONCURRENCY, PG_POOL, PROVIDER_SMS_PER_SECOND, PROVIDER_CALLS_PER_SECOND.
 * Prints one JSON line `{"ready":true}` when consuming, and `{"peakRssMb":…}` on SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../src/config.js';
import { openPostgres } from '../../src/db/connect.js';
import { createDataPorts } from '../../src/db/repositories/index.js';
import { createOutbound } from '../../src/core/outbound.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import type { Clock } from '../../src/core/types.js';
import { reminderKit, startReminderWorker } from '../../src/reminders/index.js';
import { createBullQueue } from '../../src/reminders/queue/bullmq.js';
import { createProviderLookup } from '../../src/reminders/lookup.js';
import { createReminderRepository } from '../../src/db/repositories/reminders.js';
import { ACCOUNT_SID, AUTH_TOKEN, FROM, loopbackTwilioClient } from './fake-twilio.js';
import { createTwilioProvider } from '../../src/channels/twilio/rest.js';

const env = (name: string, dflt?: string): string => {
  const v = process.env[name] ?? dflt;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};

/** Real time plus the offset the parent last wrote (re-read at most every 50 ms). */
function fileClock(path: string | undefined): Clock {
  if (!path) return { now: () => new Date() };
  let offset = 0;
  let readAt = 0;
  return {
    now() {
      const t = Date.now();
      if (t - readAt > 50) {
        readAt = t;
        try {
          offset = Number(readFileSync(path, 'utf8').trim()) || 0;
        } catch {
          /* keep the last offset */
        }
      }
      return new Date(t + offset);
    },
  };
}

async function main() {
  const config = loadConfig(process.env);
  const db = await openPostgres(env('DATABASE_URL'), Number(env('PG_POOL', '4')));
  const clock = fileClock(process.env.CLOCK_FILE);
  const logger = process.env.WORKER_LOG ? createLogger(process.env.WORKER_LOG) : silentLogger();
  const ports = createDataPorts(db.sql);
  const client = loopbackTwilioClient(env('FAKE_TWILIO_URL'));
  const outbound = createOutbound({ outbox: ports.outbox, drivers: ports.drivers, provider: createTwilioProvider({ from: FROM, client, logger }), clock });
  const lookup = createProviderLookup({ repo: createReminderRepository(db.sql), twilio: { client, from: FROM } });
  const kit = reminderKit({ sql: db.sql, ports, outbound, clock, config, lookup, logger });
  const lockMs = Number(env('LOCK_MS', '30000'));
  const queue = createBullQueue({
    redisUrl: env('REDIS_URL'),
    prefix: env('QUEUE_PREFIX'),
    perSecond: { sms: config.PROVIDER_SMS_PER_SECOND, call: config.PROVIDER_CALLS_PER_SECOND },
    concurrency: { sms: Number(env('SMS_CONCURRENCY', '50')), call: 10 },
    lockDurationMs: lockMs,
    stalledIntervalMs: Math.max(500, Math.floor(lockMs / 2)),
    backoffMs: 200,
    logger,
  });
  const worker = await startReminderWorker(kit, {
    queue,
    leaseMs: Number(env('LEASE_MS', '60000')),
    scheduler: { idleMs: 200, batch: 2000, requeueAfterMs: Number(env('REQUEUE_MS', '600000')) },
  });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const atReady = process.cpuUsage();
  process.stdout.write(JSON.stringify({ ready: true, pid: process.pid }) + '\n');
  process.on('SIGTERM', () => {
    clearInterval(sampler);
    void (async () => {
      await worker.stop();
      await db.close();
      // CPU spent working, start-up (module loading) left out.
      const cpu = process.cpuUsage(atReady);
      process.stdout.write(JSON.stringify({ peakRssMb: Math.round(peak / 1048576), cpuMs: Math.round((cpu.user + cpu.system) / 1000) }) + '\n');
      process.exit(0);
    })();
  });
}

main().catch((err) => {
  process.stderr.write(`loopback worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
