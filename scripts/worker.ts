// `npm run worker`: sends token-replacement reminders from the BullMQ queues on REDIS_URL, reading and
// recording them in DATABASE_URL. Start as many as you like, on as many machines as you like.
import { commandLine, type Cli } from './cli.js';
import { createRuntime } from '../src/runtime.js';
import { openPostgres, postgresOptions } from '../src/db/connect.js';
import { bullQueueFor, startReminderWorker } from '../src/reminders/index.js';

const USAGE = `usage: npm run worker -- [--sms-concurrency 50] [--call-concurrency 10] [--pg-connections 4] [--lease-ms 60000]
Needs REDIS_URL and DATABASE_URL. Provider limits: PROVIDER_SMS_PER_SECOND, PROVIDER_CALLS_PER_SECOND (0 = off).`;


async function main() {
  const cli = commandLine(
    USAGE,
    {
      'sms-concurrency': { type: 'string' },
      'call-concurrency': { type: 'string' },
      'lease-ms': { type: 'string' },
      'pg-connections': { type: 'string' },
    },
    1,
  );
  const fail: Cli['fail'] = cli.fail;
  const args = cli.values;
  if (!args) return;
  const int = (name: string, v: string | undefined, dflt: number) => {
    if (v === undefined) return dflt;
    if (!/^\d+$/.test(v) || Number(v) < 1) fail(`--${name}: must be a whole number above 0\n${USAGE}`);
    return Number(v);
  };
  const config = cli.config();
  if (!config.REDIS_URL) fail('REDIS_URL is not set. Without Redis, `npm start` sends the reminders itself (in process).');
  if (!config.DATABASE_URL) fail('DATABASE_URL is not set: workers share the Postgres database of the service (the embedded one cannot be shared).');

  // A few connections serve many concurrent sends (postgres.js pipelines); more only add contention.
  const db = await openPostgres(config.DATABASE_URL, int('pg-connections', args['pg-connections'], 4), { ...postgresOptions(config), voicePool: 0 });
  const rt = await createRuntime(config, { db, seedDemo: false });
  const leaseMs = int('lease-ms', args['lease-ms'], 60_000);
  const queue = bullQueueFor(config, {
    concurrency: { sms: int('sms-concurrency', args['sms-concurrency'], 50), call: int('call-concurrency', args['call-concurrency'], 10) },
    logger: rt.logger,
  });
  const worker = await startReminderWorker(rt.reminders, { queue, leaseMs });
  rt.logger.info(
    { smsPerSecond: config.PROVIDER_SMS_PER_SECOND, callsPerSecond: config.PROVIDER_CALLS_PER_SECOND, smsHours: config.SMS_QUIET_HOURS, callHours: config.CALL_QUIET_HOURS },
    'reminder worker started',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    rt.logger.info({ signal }, 'reminder worker stopping: finishing the sends under way');
    await worker.stop();
    await rt.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  console.error('reminder worker failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
