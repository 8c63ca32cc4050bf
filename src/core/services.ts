/**
 * The service contracts flows and channels call. Every entry point validates its input (zod) and
 * answers a typed outcome; implementations live beside this file and take their ports.
 */
import type {
  Authorisation,
  Bundle,
  Channel,
  ConsignmentStatus,
  ControlPointKey,
  Direction,
  Driver,
  Locale,
  RegistrationStatus,
  Result,
} from './types.js';
import type { Handoff, OutboundPort } from './ports.js';
import type { BundleDraft, BundleProblem } from './bundle-checks.js';

export type { BundleDraft, BundleProblem };

/** Who is asking, for the audit record. `caller` is the full number; services mask it. */
export interface Asker {
  channel: Channel;
  caller: string | null;
}

export type IdentifierReason =
  | 'ccrn_format'
  | 'ccrn_check_digit'
  | 'driver_no_format'
  | 'driver_no_check_digit'
  | 'reg_ref_format'
  | 'reg_ref_check_digit'
  | 'bundle_ref_format'
  | 'bundle_ref_check_digit'
  | 'token_code_format';

export interface ConsignmentView {
  ccrn: string;
  direction: Direction;
  status: ConsignmentStatus;
  packages: number;
  expectedCrossingAt: Date;
  vehicleMark: string | null;
  bundleRef: string | null;
  bundledAt: Date | null;
  crossedAt: Date | null;
  controlPoint: ControlPointKey | null;
}

export type ConsignmentStatusReason = 'ccrn_format' | 'ccrn_check_digit' | 'ccrn_unknown';
export type RegistrationStatusReason = 'reg_ref_format' | 'reg_ref_check_digit' | 'reg_ref_unknown';

export interface ConsignmentService {
  status(input: { ccrn: string }, asker: Asker): Promise<Result<{ consignment: ConsignmentView }, ConsignmentStatusReason>>;
}

export interface RegistrationView {
  refNo: string;
  applicantType: string;
  status: RegistrationStatus;
  /** True when a notification letter was sent: its date range passing does not void it (FAQ). */
  letterStillValid: boolean;
  note: string | null;
}

export interface RegistrationService {
  status(input: { refNo: string }, asker: Asker): Promise<Result<{ registration: RegistrationView }, RegistrationStatusReason>>;
}

export type IdentifyReason = 'driver_no_format' | 'driver_no_check_digit' | 'driver_unknown';

export interface TokenStatusView {
  serial: string;
  labelColour: string;
  expiresOn: string;
  /** Expired or expiring within 60 days. */
  needsReplacing: boolean;
  expired: boolean;
  /** Locked now, after wrong codes; `lockedUntil` (ISO) says when the lock ends. */
  locked: boolean;
  lockedUntil: string | null;
  /** Days from today (Hong Kong date) to `expiresOn`: 0 on the last valid day, negative once expired. */
  daysLeft: number;
}

export type TokenCodeReason =
  | 'token_code_format'
  | 'token_code_wrong'
  | 'token_code_reused'
  | 'token_locked'
  | 'token_expired'
  | 'token_missing'
  | 'driver_unknown';

export interface TokenService {
  /**
   * Verifies a 6-digit code and uses it up at once. A wrong code counts towards the lock
   * (`detail.triesLeft`); the fifth in a row locks the token (`token_locked`, `detail.justLocked`,
   * `detail.lockedUntil`: when the lock ends, ISO).
   */
  verify(
    input: { driverNo: string; code: string },
    asker: Asker,
  ): Promise<Result<{ authorisation: Authorisation }, TokenCodeReason>>;
  status(input: { driverNo: string }): Promise<Result<{ token: TokenStatusView }, 'driver_unknown' | 'token_missing'>>;
  /** An agent unlocks after checking identity; audited. */
  unlock(
    input: { driverNo: string },
    agent: { agentId: string },
  ): Promise<Result<{ serial: string }, 'driver_unknown' | 'token_missing' | 'token_not_locked'>>;
}

export type BundleReason =
  | IdentifierReason
  | 'not_authorised'
  | 'driver_unknown'
  | 'vehicle_not_registered'
  | 'token_expired'
  | 'token_locked'
  | 'token_missing'
  | 'no_ccrns'
  | 'too_many_ccrns'
  | 'ccrn_repeated'
  | 'ccrn_unknown'
  | 'ccrn_cancelled'
  | 'ccrn_crossed'
  | 'ccrn_expired'
  | 'ccrn_bundled'
  | 'direction_mixed';

/** What `prepare` can find wrong with a request: the bundle reasons, and a vehicle not given or not a mark. */
export type BundleProblemReason = BundleReason | 'vehicle_missing' | 'vehicle_format';

export type UnbundleReason =
  | 'not_authorised'
  | 'bundle_ref_format'
  | 'bundle_ref_check_digit'
  | 'bundle_unknown'
  | 'bundle_not_yours'
  | 'bundle_not_active';

export type BundleResult = Result<
  {
    bundle: Bundle;
    /** Set when the earliest crossing falls after a consignment's declared crossing time. */
    lateCcrns: string[];
  },
  BundleReason
>;

/**
 * The bundling use cases every channel calls: `prepare` (every problem at once, no token code
 * needed), `confirm` (the real write, with an authorisation), the driver's bundles and cancelling
 * one. Refusals about one CCRN carry `detail.ccrn` so a caller hears which to re-enter.
 */
export interface BundlingService {
  /**
   * Checks a whole request without writing: the vehicle (`null`: not given, then the driver's only
   * vehicle), every CCRN. A draft (with `lateCcrns`, a warning), or every problem, each naming its CCRN.
   */
  prepare(
    input: { driverNo: string; vehicle: string | null; ccrns: string[] },
    asker: Asker,
  ): Promise<{ ok: true; draft: BundleDraft } | { ok: false; problems: BundleProblem[] }>;
  /** Makes the prepared bundle (every rule checked again, atomically); the draft must be the authorised driver's. */
  confirm(draft: BundleDraft, authorisation: Authorisation, asker: Asker): Promise<BundleResult>;
  /** One of the authorised driver's bundles, with its late CCRNs and whether it can still be cancelled. */
  bundleOf(input: { authorisation: Authorisation; bundleRef: string }): Promise<
    Result<{ bundle: Bundle; lateCcrns: string[]; cancellable: boolean }, Exclude<UnbundleReason, 'bundle_not_active'>>
  >;
  /** Checks one CCRN as it is entered (before the summary); `direction` is that of CCRNs already taken. */
  checkCcrn(
    input: { ccrn: string; direction?: Direction; taken?: string[] },
    asker: Asker,
  ): Promise<Result<{ consignment: ConsignmentView }, BundleReason>>;
  /** `confirm` without a draft (the hotline's summary holds the vehicle and CCRNs). */
  bundle(input: { authorisation: Authorisation; vehicleMark: string; ccrns: string[] }, asker: Asker): Promise<BundleResult>;
  activeBundles(input: { authorisation: Authorisation }): Promise<Result<{ bundles: Bundle[] }, 'not_authorised'>>;
  unbundle(
    input: { authorisation: Authorisation; bundleRef: string },
    asker: Asker,
  ): Promise<Result<{ bundle: Bundle }, UnbundleReason>>;
}

export interface DriverService {
  byMobile(e164: string): Promise<Driver | null>;
  identify(input: { driverNo: string }): Promise<Result<{ driver: Driver }, IdentifyReason>>;
}

export type PlaceKind = 'post_office' | 'control_point';

export interface PlaceView {
  key: string;
  kind: PlaceKind;
  nameEn: string;
  nameZh: string;
  /** i18n-neutral opening hours: per weekday (0 = Sunday) a list of [open, close] "HH:MM", or `allDay`. */
  hours: { allDay: true } | { days: Record<number, [string, string][]> };
  openNow: boolean;
  region: 'hong_kong' | 'kowloon' | 'new_territories' | 'boundary';
}

export interface DirectoryService {
  /** The 12 designated post offices and the five control-point Cargo Examination Complexes. */
  places(input?: { kind?: PlaceKind }): PlaceView[];
  isHoliday(date: Date): boolean;
}

export interface GuidanceService {
  /** What to bring, who may come instead, where: keys of `common:guidance.*`, stable for every channel. */
  tokenReplacement(): { bring: string[]; representative: string[]; places: PlaceView[] };
}

export interface HandoffService {
  record(h: Omit<Handoff, 'createdAt'>): Promise<Handoff & { id: number }>;
  byConversation(conversationId: string): Promise<Handoff[]>;
  byCaller(e164: string): Promise<Handoff[]>;
}

export interface Services {
  drivers: DriverService;
  tokens: TokenService;
  consignments: ConsignmentService;
  registrations: RegistrationService;
  bundling: BundlingService;
  directory: DirectoryService;
  guidance: GuidanceService;
  handoffs: HandoffService;
  outbound: OutboundPort;
  /** Deletes audit, hand-off and outbox records older than RETENTION_DAYS, and inbound message ids older than a day. */
  purgeExpired(): Promise<{ audit: number; handoffs: number; outbox: number; inbound: number }>;
}

export type { Locale };
