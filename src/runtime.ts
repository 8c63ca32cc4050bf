/**
 * Everything a running instance holds: configuration, database, session store, services, the flow
 * runner. `createRuntime` (below) wires them from the configuration; route factories take a Runtime.
 */
import { render } from './i18n.js';
import type { Config } from './config.js';
import type { Database } from './db/connect.js';
import type { SessionStore } from './sessions/port.js';
import type { Services } from './core/services.js';
import type { DataPorts } from './core/ports.js';
import type { Clock } from './core/types.js';
import type { Logger } from './logger.js';
import type { Runner } from './flows/runner.js';
import type { RateLimiter } from './sessions/rate-limit.js';
import type { ReminderKit } from './reminders/kit.js';

export interface Runtime {
  config: Config;
  db: Database;
  ports: DataPorts;
  sessions: SessionStore;
  /** Per-key fixed-window rate limiter (Redis with REDIS_URL, memory otherwise). */
  rateLimiter: RateLimiter;
  services: Services;
  runner: Runner;
  /** Reminder campaigns: campaigns, status callbacks, senders, the dispatcher (src/reminders/kit.ts). */
  reminders: ReminderKit;
  clock: Clock;
  logger: Logger;
  /**
   * The interactive voice path (hotline and reminder call turns): the same services and a runner
   * of its own over `db.voice`, the voice pool. Absent: the runtime's own (tests' hand-made ones).
   */
  voice?: VoicePath;
  /** True when Twilio webhooks are accepted without a signature (no TWILIO_AUTH_TOKEN, loopback only). */
  unsignedWebhooks: boolean;
  version: string;
  close(): Promise<void>;
}

/** What a voice turn uses; on Postgres wired over the voice pool (README, "Deadlines"). */
export interface VoicePath {
  ports: DataPorts;
  services: Services;
  runner: Runner;
}

import { hasTwilioCredentials } from './config.js';
import { openEmbedded, openPostgres, postgresOptions, type Sql } from './db/connect.js';
import { migrate } from './db/migrate.js';
import { seedDemo } from './db/seed.js';
import { createDataPorts } from './db/repositories/index.js';
import { openSessionStore } from './sessions/index.js';
import { createDirectory, HK_PUBLIC_HOLIDAYS_2026_2027 } from './core/directory.js';
import { createGuidance } from './core/guidance.js';
import { createOutbound } from './core/outbound.js';
import { createTwilioProvider } from './channels/twilio/rest.js';
import { twilioClient } from './node/twilio-transport.js';
import { createServices } from './core/create-services.js';
import { smsTokenLockNotifier } from './channels/sms/notices.js';
import { createRunner } from './flows/runner.js';
import { createReminderFlow } from './flows/reminder.js';
import { reminderKit } from './reminders/kit.js';
import { systemClock } from './core/types.js';
import { createLogger } from './logger.js';

export interface RuntimeOptions {
  clock?: Clock;
  logger?: Logger;
  /** Load the demo seed into an empty database (default: only on the embedded database). */
  seedDemo?: boolean;
  /** An already-open database (tests share one per file). */
  db?: Database;
  /** Prefix of every Redis key (tests running side by side keep apart). */
  redisPrefix?: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1']);
export const isLoopback = (host: string) => LOOPBACK.has(host) || host.startsWith('127.');

/** Wires a running instance from the configuration. The caller closes it. */
export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const db =
    options.db ??
    (config.DATABASE_URL ? await openPostgres(config.DATABASE_URL, 10, postgresOptions(config)) : await openEmbedded(config.DATA_DIR));
  const closers: (() => Promise<unknown>)[] = options.db ? [] : [() => db.close()];
  try {
    await migrate(db.sql);
    if (options.seedDemo ?? db.kind === 'embedded') await seedDemo(db.sql, clock.now());
    const store = await openSessionStore(config.REDIS_URL, {
      clock: () => clock.now().getTime(),
      onError: (err) => logger.warn({ err: err.message }, 'redis connection error'),
      ...(options.redisPrefix
        ? { sessionPrefix: `${options.redisPrefix}sess:`, rateLimitPrefix: `${options.redisPrefix}rl:` }
        : {}),
    });
    closers.unshift(() => store.close());
    const directory = createDirectory({ clock, holidays: config.PUBLIC_HOLIDAYS ?? HK_PUBLIC_HOLIDAYS_2026_2027 });
    const guidance = createGuidance(directory);
    const provider = hasTwilioCredentials(config)
      ? createTwilioProvider({
          // The SDK over our keep-alive transport (src/node): a Node adapter, chosen here.
          client: twilioClient(config.TWILIO_ACCOUNT_SID!, config.TWILIO_AUTH_TOKEN!),
          from: config.TWILIO_FROM_NUMBER!,
          logger,
        })
      : null;
    // The same wiring over a pool: the main one, and the voice pool when it is one of its own.
    const wire = (sql: Sql): VoicePath => {
      const ports = createDataPorts(sql);
      const outbound = createOutbound({ outbox: ports.outbox, drivers: ports.drivers, provider, clock, logger });
      const services = createServices({
        ports,
        clock,
        outbound,
        directory,
        guidance,
        retentionDays: config.RETENTION_DAYS,
        logger,
        notifyLocked: smsTokenLockNotifier(outbound),
      });
      // One runner holds every flow: the hotline's and the reminder call's.
      const reminder = createReminderFlow({ isOptedOut: (n) => ports.optOuts.isOptedOut(n), hotline: config.HOTLINE_NUMBERS[0] ?? '+85236690000' });
      return { ports, services, runner: createRunner({ sessions: store.sessions, services, clock, logger, text: (msg, locale) => render(msg, locale, 'text'), flows: { reminder } }) };
    };
    const { ports, services, runner } = wire(db.sql);
    const voice = db.voice && db.voice !== db.sql ? wire(db.voice) : { ports, services, runner };
    const reminders = reminderKit({ sql: db.sql, ports, outbound: services.outbound, clock, config, logger });
    closers.unshift(async () => reminders.close());
    const purge = setInterval(() => {
      services.purgeExpired().catch((err: unknown) => logger.error({ err }, 'retention purge failed'));
    }, 60 * 60 * 1000);
    purge.unref();
    closers.unshift(async () => clearInterval(purge));
    const version: string = (await import('../package.json', { with: { type: 'json' } })).default.version;
    return {
      config,
      db,
      ports,
      sessions: store.sessions,
      rateLimiter: store.rateLimiter,
      services,
      runner,
      reminders,
      voice,
      clock,
      logger,
      unsignedWebhooks: !config.TWILIO_AUTH_TOKEN && isLoopback(config.HOST),
      version,
      close: async () => {
        for (const c of closers) await c().catch(() => {});
      },
    };
  } catch (err) {
    for (const c of closers) await c().catch(() => {});
    throw err;
  }
}
