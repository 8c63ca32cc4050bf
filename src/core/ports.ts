/**
 * Ports: everything the core needs from the outside world. `src/db` implements the data ports on
 * Postgres; an adapter to the Customs back end (the real system of record) could implement the same
 * ports without touching flows or channels. Every method is async and throws only for failures of
 * the infrastructure (database down); expected refusals are `Result` values.
 */
import type {
  Authorisation,
  Bundle,
  Channel,
  Consignment,
  Driver,
  Locale,
  Registration,
  Result,
  Token,
} from './types.js';

export interface DriverRepository {
  byDriverNo(driverNo: string): Promise<Driver | null>;
  /** The driver whose registered mobile is this E.164 number. */
  byMobile(e164: string): Promise<Driver | null>;
  /** True when the number belongs to a demo-seed record: such numbers never get a real message. */
  isDemoNumber(e164: string): Promise<boolean>;
}

/** How wrong codes lock a token (src/core/tokens.ts holds the policy in force). */
export interface LockPolicy {
  /** Wrong codes in a row that lock the token. */
  lockAfter: number;
  /** The first lock's length, in milliseconds; each further lock doubles it. */
  firstLockMs: number;
  /** The longest lock, in milliseconds. */
  maxLockMs: number;
}

export interface FailureOutcome {
  failedAttempts: number;
  /** Locked at the time of the failure (by this failure or another). */
  locked: boolean;
  /** This failure started the lock. */
  justLocked: boolean;
  lockedUntil: Date | null;
}

export interface TokenRepository {
  /** The driver's token in service (not replaced), or null. */
  currentForDriver(driverNo: string): Promise<Token | null>;
  bySerial(serial: string): Promise<Token | null>;
  /**
   * Atomically accepts TOTP step `step`: succeeds only while the token is not locked at `at` (active,
   * or locked with the lock's time passed) and `step` is greater than the last used step; on
   * success records the step and clears the failure count, the lock and the lock count.
   */
  consumeStep(serial: string, step: number, at: Date): Promise<boolean>;
  /**
   * Atomically counts one wrong code against a token that is not locked at `at` (a lock whose time
   * has passed starts the count afresh); the `policy.lockAfter`-th wrong code in a row locks it for
   * `policy.lockMs(n)`, n being this lock's number since the last right code. Returns the count
   * after this failure, whether the token is locked at `at`, whether this failure locked it, and
   * until when.
   */
  recordFailure(serial: string, policy: LockPolicy, at: Date): Promise<FailureOutcome>;
  /** Ends a lock in force at `at` and clears the counts (an agent, after checking identity). False when not locked. */
  unlock(serial: string, at: Date): Promise<boolean>;
  /**
   * Replaces the driver's current token with a new one (the old one becomes `replaced` and stops
   * working). Returns the old serial, or null when the driver had no token.
   */
  replace(
    driverNo: string,
    next: { serial: string; secretBase32: string; labelColour: string; expiresOn: string },
    at: Date,
  ): Promise<{ oldSerial: string | null }>;
  /** Tokens in service (not replaced) matching a campaign selection. */
  select(filter: { labelColour?: string; expiresBefore?: string }): Promise<Token[]>;
}

export interface ConsignmentRepository {
  byCcrn(ccrn: string): Promise<Consignment | null>;
}

export type BundleCheck = (locked: Consignment[]) => Result<object, string>;

export interface BundleRepository {
  /**
   * Creates a bundle atomically: locks the consignments (in a stable order), passes them to `check`
   * (the core's rules), and writes the bundle and the consignments' new status only if the check
   * passes. A refusal or a failure writes nothing. Consignments are passed in the order of `ccrns`;
   * unknown CCRNs are simply missing from the list.
   */
  create(
    input: {
      driverNo: string;
      vehicleMark: string;
      ccrns: string[];
      channel: Channel;
      at: Date;
      earliestCrossingAt: Date;
    },
    check: BundleCheck,
  ): Promise<Result<{ bundle: Bundle }, string>>;
  byRef(bundleRef: string): Promise<Bundle | null>;
  /** The driver's bundles that are active (not cancelled, not crossed), newest first. */
  activeForDriver(driverNo: string): Promise<Bundle[]>;
  /**
   * Cancels an active bundle of this driver atomically; its consignments return to `submitted`.
   */
  cancel(
    bundleRef: string,
    driverNo: string,
    at: Date,
  ): Promise<Result<{ bundle: Bundle }, 'bundle_unknown' | 'bundle_not_yours' | 'bundle_not_active'>>;
}

export interface RegistrationRepository {
  byRef(refNo: string): Promise<Registration | null>;
}

export interface AuditEntry {
  at: Date;
  channel: Channel;
  /** Already masked (see core/mask.ts). */
  callerMasked: string | null;
  driverNo: string | null;
  action: string;
  outcome: string;
  detail?: Record<string, unknown>;
}

export interface AuditRepository {
  record(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  list(filter: { driverNo?: string; action?: string; limit?: number }): Promise<(AuditEntry & { id: number })[]>;
  /** Deletes what is older than `before`; returns how many rows went. */
  purgeBefore(before: Date): Promise<number>;
}

export interface Handoff {
  id?: number;
  /** CallSid for voice, or another conversation key. */
  conversationId: string;
  channel: Channel;
  /** Full E.164, so an agent can look the caller up; logs only ever see it masked. */
  caller: string | null;
  driverNo: string | null;
  locale: Locale;
  /** Where in the flow the caller was (state id). */
  where: string;
  /** What went wrong, as a reason code. */
  reason: string;
  createdAt: Date;
}

export interface HandoffRepository {
  save(handoff: Handoff): Promise<Handoff & { id: number }>;
  byConversation(conversationId: string): Promise<(Handoff & { id: number })[]>;
  byCaller(e164: string): Promise<(Handoff & { id: number })[]>;
  purgeBefore(before: Date): Promise<number>;
}

export interface OutboxEntry {
  kind: 'sms' | 'call' | 'email';
  /** Masked number. */
  toMasked: string;
  body: string;
  purpose: string;
  /** Why it went to the outbox instead of the provider. */
  reason: 'no_credentials' | 'demo_number';
  createdAt: Date;
}

export interface OutboxRepository {
  add(entry: OutboxEntry): Promise<{ id: number; sid: string }>;
  list(limit?: number): Promise<(OutboxEntry & { id: number; sid: string })[]>;
  purgeBefore(before: Date): Promise<number>;
}

export interface OptOutRepository {
  /** Records STOP (true) or START (false). Returns the previous value. */
  set(e164: string, optedOut: boolean, at: Date): Promise<boolean>;
  isOptedOut(e164: string): Promise<boolean>;
}

/**
 * Inbound messages already handled, by channel and the provider's id (Twilio's MessageSid, a LINE
 * webhook event id): a provider's retry, or a replayed signed request, does no work again.
 */
export interface InboundMessageRepository {
  /**
   * Claims a message: `first` for the one delivery that does the work (atomic: of two deliveries at
   * once, one only); a repeat gets what the first answered (`reply`, null while it is still running).
   */
  claim(channel: string, externalId: string, at: Date): Promise<{ first: true } | { first: false; reply: string | null }>;
  /** Keeps what the first delivery answered, for repeats. */
  answered(channel: string, externalId: string, reply: string): Promise<void>;
  /** Forgets messages received before `before`; returns how many. */
  purgeBefore(before: Date): Promise<number>;
}

/** All data ports together: what `src/db` provides. */
export interface DataPorts {
  drivers: DriverRepository;
  tokens: TokenRepository;
  consignments: ConsignmentRepository;
  bundles: BundleRepository;
  registrations: RegistrationRepository;
  audit: AuditRepository;
  handoffs: HandoffRepository;
  outbox: OutboxRepository;
  optOuts: OptOutRepository;
  inbound: InboundMessageRepository;
}

/** Outbound messages and calls. */
export interface OutboundSms {
  to: string;
  body: string;
  purpose: string;
  /** Absolute URL Twilio should report delivery to. */
  statusCallback?: string;
}

export interface OutboundCall {
  to: string;
  /** Absolute URL of the TwiML that runs the call. */
  url: string;
  purpose: string;
  /** Spoken summary kept in the outbox when the call is not placed. */
  summary: string;
  statusCallback?: string;
  /** Ask Twilio to detect answering machines. */
  machineDetection?: boolean;
}

export type OutboundResult =
  | { ok: true; sid: string; via: 'provider' | 'outbox' }
  | {
      ok: false;
      /** permanent: never retry (opted out, invalid number); temporary: retry with back-off. */
      kind: 'permanent' | 'temporary';
      /** Provider error code (e.g. Twilio 21610) or HTTP status. */
      code: number | null;
      status: number | null;
      message: string;
    };

export interface OutboundPort {
  sendSms(sms: OutboundSms): Promise<OutboundResult>;
  placeCall(call: OutboundCall): Promise<OutboundResult>;
}

export type { Authorisation };
