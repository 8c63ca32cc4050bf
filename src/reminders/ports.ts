/**
 * Ports and types of the reminder campaigns: the repository (Postgres, src/db/repositories/reminders.ts),
 * the queue (BullMQ on Redis, or in process) and the provider lookup that settles uncertain sends.
 */
import type { Locale } from '../core/types.js';

/** A rung of the fallback ladder (REMINDER_LADDER): the channel a stage is sent on. */
export type ReminderChannel = 'sms' | 'call';
/** Every channel a reminder goes out on: the ladder's, and email, sent alongside the first rung. */
export type SendChannel = ReminderChannel | 'email';
/** Per-channel queue settings; email's are optional (default: no limit). */
export type PerChannel<T> = Record<ReminderChannel, T> & Partial<Record<'email', T>>;
export type ChannelReason = ReminderChannel | 'no_sms_number' | 'opted_out' | 'sms_failed';
export type StageState = 'scheduled' | 'queued' | 'sending' | 'sent' | 'delivered' | 'failed' | 'skipped';
export type CampaignStatus = 'active' | 'paused';

export interface Campaign {
  id: number;
  name: string;
  labelColour: string | null;
  /** Tokens expiring before this Hong Kong date (YYYY-MM-DD). */
  expiresBefore: string | null;
  /** Days before expiry, largest first. */
  stages: number[];
  status: CampaignStatus;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewCampaign {
  name: string;
  labelColour: string | null;
  expiresBefore: string | null;
  stages: number[];
}

/** One delivery to create: a driver's token and its planned stages. */
export interface PlannedDelivery {
  driverNo: string;
  tokenSerial: string;
  expiresOn: string;
  stages: { stage: number; dueAt: Date; state: 'scheduled' | 'skipped'; when?: string; skipReason?: string }[];
}

/** One unit of queue work: send stage `stage` of delivery `deliveryId` on `channel`. */
export interface DispatchJob {
  deliveryId: number;
  stage: number;
  channel: SendChannel;
}

/**
 * The job id: the same delivery and stage is never queued twice. BullMQ 6 refuses ':' in custom
 * ids ("Custom Id cannot contain :"), hence the dash.
 */
export const jobId = (j: Pick<DispatchJob, 'deliveryId' | 'stage'>): string => `${j.deliveryId}-${j.stage}`;

/** What the dispatcher needs to know about one stage, read in one go. */
export interface StageContext {
  deliveryId: number;
  stage: number;
  campaignId: number;
  campaignStatus: CampaignStatus;
  deliveryStatus: 'active' | 'stopped';
  driverNo: string;
  tokenSerial: string;
  expiresOn: string;
  state: StageState;
  dueAt: Date;
  channel: ReminderChannel | null;
  channelReason: ChannelReason | null;
  attempt: number;
  sendingAt: Date | null;
  smsSid: string | null;
  callSid: string | null;
}

/** A stage with everything a send needs, read in one statement. */
export interface DispatchContext extends StageContext {
  /** The driver's token of this delivery: null when it no longer exists. */
  token: { serial: string; expiresOn: string; status: 'active' | 'locked' | 'replaced' } | null;
  /** Null when the driver has no number at all. */
  recipient: {
    mobile: string;
    smsCapable: boolean;
    locale: Locale;
    optedOut: boolean;
    /** The driver's email address (null: none) and whether it unsubscribed. */
    email: string | null;
    emailOptedOut: boolean;
    demo: boolean;
  } | null;
}

export interface StageRow {
  deliveryId: number;
  driverNo: string;
  stage: number;
  dueAt: Date;
  state: StageState;
  channel: ReminderChannel | null;
  channelReason: ChannelReason | null;
  attempt: number;
  via: 'provider' | 'outbox' | null;
  smsSid: string | null;
  smsStatus: string | null;
  smsError: number | null;
  callSid: string | null;
  callStatus: string | null;
  callError: number | null;
  answeredBy: string | null;
  lastError: string | null;
  skipReason: string | null;
}

/** The counts an operator asks for. Stage counts are per (driver, stage). */
export interface CampaignReport {
  campaign: Campaign;
  deliveries: number;
  /** Accepted by the provider (or kept in the outbox): sent, delivered, or failed after sending. */
  sent: number;
  delivered: number;
  failed: number;
  /** Deliveries whose driver had opted out of SMS (reached by call instead). */
  optedOut: number;
  /** Deliveries stopped because the token was replaced. */
  replaced: number;
  /** Stages still to come (scheduled, queued or sending). */
  pending: number;
  skipped: number;
  /** Email (sent alongside the first rung) counts what the SMTP server accepted or refused: its delivery is not known. */
  byChannel: Record<SendChannel, { sent: number; delivered: number; failed: number }>;
  byStage: Record<string, Partial<Record<StageState, number>>>;
}

export interface ClaimResult {
  attempt: number;
}

/** The reminder tables. Every state change is a compare-and-set: a stale worker changes nothing. */
export interface ReminderRepository {
  /**
   * Creates the campaign and its deliveries in one transaction. A driver is added once per campaign,
   * and a token already reminded by another campaign is left out (`covered`).
   */
  createCampaign(input: NewCampaign, plan: PlannedDelivery[], at: Date): Promise<{ campaign: Campaign; created: number; covered: number }>;
  campaign(id: number): Promise<Campaign | null>;
  campaigns(): Promise<Campaign[]>;
  setStatus(id: number, status: CampaignStatus, at: Date): Promise<Campaign | null>;
  report(id: number): Promise<CampaignReport | null>;
  stages(filter: { campaignId?: number; deliveryId?: number; driverNo?: string }): Promise<StageRow[]>;

  /**
   * Hands due stages of active campaigns to `enqueue` and marks them queued, `limit` at a time, in
   * one transaction holding their rows (SKIP LOCKED, so several schedulers share the work).
   * With `stuck`, also re-hands stages queued more than `requeueAfterMs` ago and 'sending' ones
   * whose lease ran out (their job may have been lost): job ids make that harmless. Returns how
   * many were handed.
   */
  takeDue(
    now: Date,
    opts: { limit: number; requeueAfterMs: number; leaseMs: number; stuck: boolean },
    enqueue: (jobs: DispatchJob[]) => Promise<void>,
  ): Promise<number>;

  stageContext(deliveryId: number, stage: number): Promise<StageContext | null>;
  /**
   * The stage with its token (status, expiry), the driver's number, SMS capability and language,
   * and whether the number opted out of SMS: what `TokenRepository`, `DriverRepository` and
   * `OptOutRepository` would answer, in one statement (a send's hot path; the reminders live in
   * the database of the records they remind about).
   */
  dispatchContext(deliveryId: number, stage: number): Promise<DispatchContext | null>;
  /** scheduled|queued -> sending on `channel`; null when the stage is not there to claim (or its campaign is paused). */
  claim(deliveryId: number, stage: number, channel: ReminderChannel, reason: ChannelReason, at: Date): Promise<ClaimResult | null>;
  /**
   * The hot path: claims the stage for `channel` (as `claim`) and answers its dispatch context in
   * the same statement; null when there is nothing to claim.
   */
  claimForDispatch(deliveryId: number, stage: number, channel: ReminderChannel, at: Date): Promise<DispatchContext | null>;
  /** Takes over a 'sending' stage whose lease ran out: bumps the attempt. */
  reclaim(deliveryId: number, stage: number, expectedAttempt: number, at: Date): Promise<ClaimResult | null>;
  /** sending(attempt) -> sent, with the provider's id. */
  recordSent(
    ref: { deliveryId: number; stage: number; attempt: number },
    channel: ReminderChannel,
    sent: { sid: string; via: 'provider' | 'outbox' },
    at: Date,
    reason?: ChannelReason,
  ): Promise<boolean>;
  /** sending(attempt) -> queued, after a temporary error (the queue retries). */
  recordTemporary(ref: { deliveryId: number; stage: number; attempt: number }, error: string, at: Date, reason?: ChannelReason): Promise<boolean>;
  /** sending|sent(attempt) -> failed. */
  recordFailed(
    ref: { deliveryId: number; stage: number; attempt: number },
    channel: ReminderChannel | null,
    error: { code: number | null; message: string },
    at: Date,
    reason?: ChannelReason,
  ): Promise<boolean>;
  /**
   * The SMS failed (permanently, or its delivery failed): the stage goes to a call, queued at once
   * (`queued`) or scheduled for the call window (`dueAt`).
   */
  fallBackToCall(
    ref: { deliveryId: number; stage: number; attempt: number },
    smsError: number | null,
    next: { state: 'queued' | 'scheduled'; dueAt: Date },
    at: Date,
  ): Promise<boolean>;
  /** Sends the stage back to the schedule (paused campaign, quiet hours, channel moved). */
  reschedule(
    ref: { deliveryId: number; stage: number; fromStates: StageState[]; attempt?: number },
    next: { dueAt: Date; channel?: ReminderChannel | null; reason?: ChannelReason | null; state?: 'scheduled' | 'queued' },
    at: Date,
  ): Promise<boolean>;
  /** The stage cannot be sent (no number): skipped with a reason. */
  skip(ref: { deliveryId: number; stage: number }, reason: string, at: Date): Promise<boolean>;
  /** Stops every active delivery of the driver (token replaced): open stages are skipped. */
  stopForDriver(driverNo: string, reason: 'replaced', at: Date): Promise<number>;
  /** Stops one delivery (its token turned out replaced at dispatch time). */
  stopDelivery(deliveryId: number, reason: 'replaced', at: Date): Promise<boolean>;
  /** A status callback: records the provider's status and settles the stage when it says so. */
  applyStatus(
    ref: { deliveryId: number; stage: number; attempt: number },
    channel: ReminderChannel,
    update: { sid: string; status: string; state: 'sent' | 'delivered' | 'failed' | null; errorCode: number | null; answeredBy?: string | null },
    at: Date,
  ): Promise<{ applied: boolean; context: StageContext | null }>;
  /** The call reached someone (or a machine): kept for the report. */
  recordAnsweredBy(ref: { deliveryId: number; stage: number; attempt: number }, answeredBy: string, at: Date): Promise<void>;
  /** The sid the outbox gave a message of this purpose, when it kept one. */
  outboxSid(purpose: string): Promise<string | null>;
}

/** What a lookup tells about a send whose outcome we did not record. */
export type LookupResult =
  | { found: true; sid: string; via: 'provider' | 'outbox'; status: string | null }
  | { found: false }
  | { found: 'unknown'; reason: string };

/**
 * Asks the provider (and the outbox) whether a send was accepted, when a worker died between
 * the provider's answer and our record. `found: false` must be definite: the send never happened.
 */
export interface ProviderLookup {
  find(q: { channel: ReminderChannel; to: string; purpose: string; since: Date; body?: string }): Promise<LookupResult>;
}

/** How a queue reports one run of a job to its handler. */
export interface JobInfo {
  /** 1 for the first run. */
  attempt: number;
  /** True when a temporary failure now will not be retried. */
  finalAttempt: boolean;
}

/** What the handler of a job decided. */
export type JobOutcome =
  | { kind: 'done'; outcome: string; next?: DispatchJob | DispatchJob[] }
  /** Run again in `delayMs` (a lease still held by another worker); attempts are not used up. */
  | { kind: 'later'; delayMs: number; outcome: string }
  /** Temporary failure: retry with exponential back-off. */
  | { kind: 'retry'; error: string };

export type JobHandler = (job: DispatchJob, info: JobInfo) => Promise<JobOutcome>;

/**
 * The queue of sends. Two implementations: BullMQ on Redis (several workers on several machines)
 * and in process (one machine, no Redis). Both keep one job per job id while it waits or runs,
 * retry `retry` outcomes with exponential back-off, and limit starts per second per channel.
 */
export interface ReminderQueue {
  readonly kind: 'bullmq' | 'memory';
  /** Adds jobs; a job whose id is already waiting, delayed or running is not added again. */
  add(jobs: DispatchJob[]): Promise<void>;
  /** Starts consuming in this process. */
  process(handler: JobHandler): Promise<void>;
  /** Jobs waiting, delayed or running, per channel. */
  counts(): Promise<Record<SendChannel, { waiting: number; delayed: number; active: number }>>;
  /** Stops consuming (lets running jobs finish) and releases connections. */
  close(): Promise<void>;
}

export type { Locale };
