/**
 * The reminder services of one instance, wired from its parts: what the web tier needs (admin API,
 * reminder call routes, status callbacks, unsubscribe link) and the dispatcher of the workers.
 * Built once, by `createRuntime` (src/runtime.ts, the one composition root), or by a test harness.
 * No queue here: BullMQ stays out of the web bundle.
 */
import { twilioClient } from '../node/twilio-transport.js';
import type { Config } from '../config.js';
import { hasTwilioCredentials } from '../config.js';
import type { Sql } from '../db/connect.js';
import type { DataPorts, OutboundPort } from '../core/ports.js';
import type { Clock } from '../core/types.js';
import type { Logger } from '../logger.js';
import { createReminderRepository } from '../db/repositories/reminders.js';
import type { ProviderLookup, ReminderChannel, ReminderRepository } from './ports.js';
import { parseWindow, type SendWindow } from './schedule.js';
import { createCampaignService, type CampaignService } from './campaigns.js';
import { createDispatcher, type Dispatcher, type DispatcherDeps } from './dispatch.js';
import { createProviderLookup } from './lookup.js';
import { createStatusCallbacks, type StatusCallbacks } from './callbacks.js';
import { createAttemptRepository, createEmailOptOutRepository, type AttemptRepository, type EmailOptOutRepository } from '../db/repositories/reminder-attempts.js';
import { createSenderRegistry, twilioSenders, type SenderRegistry } from './senders.js';
import { createEmailSender } from './email.js';
import { createUnsubscribeSigner, unsubscribeSecret, type UnsubscribeSigner } from './unsubscribe.js';

/** What the reminders need from a running instance (a Runtime has all of it). */
export interface ReminderParts {
  sql: Sql;
  ports: DataPorts;
  outbound: OutboundPort;
  clock: Clock;
  config: Config;
  logger?: Logger;
  /** Default: the outbox, then Twilio's list APIs when there are credentials. */
  lookup?: ProviderLookup;
}

/** The reminder services wired from one instance's parts. */
export interface ReminderKit {
  repo: ReminderRepository;
  windows: Record<ReminderChannel, SendWindow>;
  campaigns: CampaignService;
  callbacks: StatusCallbacks;
  lookup: ProviderLookup;
  /** Where Twilio reaches us: PUBLIC_BASE_URL, else this host and port. */
  publicBaseUrl: string;
  hotline: string;
  parts: ReminderParts;
  dispatcher(opts?: Pick<DispatcherDeps, 'leaseMs' | 'uncertainAfterMs'>): Dispatcher;
  /** One sender per channel, the ladder (REMINDER_LADDER) and what goes alongside its first rung. */
  registry: SenderRegistry;
  /** The attempts of channels sent alongside the ladder (email). */
  attempts: AttemptRepository;
  /** What the unsubscribe route uses (src/channels/email/routes.ts). */
  unsubscribe: { signer: UnsubscribeSigner; optOuts: EmailOptOutRepository; clock: Clock; logger?: Logger };
  /** Closes the SMTP connections. */
  close(): void;
}

export function reminderKit(parts: ReminderParts): ReminderKit {
  const { sql, ports, config, clock, logger } = parts;
  const repo = createReminderRepository(sql, {
    onBatchFailure: (err, size) =>
      logger?.warn({ size, err: { message: err instanceof Error ? err.message : String(err) } }, 'batched reminder statement failed; its items ran one by one'),
  });
  const windows = { sms: parseWindow(config.SMS_QUIET_HOURS), call: parseWindow(config.CALL_QUIET_HOURS) };
  const hotline = config.HOTLINE_NUMBERS[0] ?? '+85236690000';
  const publicBaseUrl = config.PUBLIC_BASE_URL ?? `http://${config.HOST}:${config.PORT}`;
  const lookup =
    parts.lookup ??
    createProviderLookup({
      repo,
      twilio: hasTwilioCredentials(config)
        ? { client: twilioClient(config.TWILIO_ACCOUNT_SID!, config.TWILIO_AUTH_TOKEN!), from: config.TWILIO_FROM_NUMBER! }
        : null,
    });
  const signer = createUnsubscribeSigner(unsubscribeSecret(config), publicBaseUrl);
  const email = createEmailSender({
    smtpUrl: config.SMTP_URL ?? null,
    from: config.EMAIL_FROM,
    outbox: ports.outbox,
    signer,
    clock,
    ...(logger ? { logger } : {}),
  });
  const registry = createSenderRegistry(config.REMINDER_LADDER, [...twilioSenders({ outbound: parts.outbound, lookup, publicBaseUrl }), email]);
  const attempts = createAttemptRepository(sql);
  const emailOptOuts = createEmailOptOutRepository(sql);
  return {
    repo,
    registry,
    attempts,
    unsubscribe: { signer, optOuts: emailOptOuts, clock, ...(logger ? { logger } : {}) },
    close: () => email.close(),
    windows,
    lookup,
    publicBaseUrl,
    hotline,
    parts,
    campaigns: createCampaignService({
      repo,
      tokens: ports.tokens,
      drivers: ports.drivers,
      optOuts: ports.optOuts,
      audit: ports.audit,
      clock,
      smsWindow: windows.sms,
      defaultStages: config.REMINDER_STAGES,
      hotline,
    }),
    callbacks: createStatusCallbacks({ repo, optOuts: ports.optOuts, clock, callWindow: windows.call, ...(logger ? { logger } : {}) }),
    dispatcher: (opts = {}) =>
      createDispatcher({
        repo,
        optOuts: ports.optOuts,
        registry,
        attempts,
        clock,
        windows,
        hotline,
        ...opts,
        ...(logger ? { logger } : {}),
      }),
  };
}
