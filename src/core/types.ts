/** Domain vocabulary shared by every service, flow and channel. No I/O here. */

export type Locale = 'en' | 'zh-HK' | 'zh-CN';
export const LOCALES: readonly Locale[] = ['en', 'zh-HK', 'zh-CN'];

export type Channel = 'voice' | 'sms' | 'web' | 'line' | 'agent' | 'admin' | 'reminder' | 'system';

/** An expected refusal or a success. Expected refusals are values, never thrown errors. */
export type Result<T, R extends string = string> =
  | ({ ok: true } & T)
  | { ok: false; reason: R; detail?: Record<string, unknown> };

export const ok = <T extends object>(value: T): { ok: true } & T => ({ ok: true, ...value });
export const fail = <R extends string>(reason: R, detail?: Record<string, unknown>) =>
  (detail ? { ok: false as const, reason, detail } : { ok: false as const, reason });

export type Direction = 'inbound' | 'outbound';

/** What is stored. `expired` (lapsed) is derived from the declared crossing time, never stored. */
export type StoredConsignmentStatus = 'submitted' | 'bundled' | 'crossed' | 'cancelled';
/** What a caller is told. */
export type ConsignmentStatus = StoredConsignmentStatus | 'expired';

export type ControlPointKey = 'lok_ma_chau' | 'man_kam_to' | 'shenzhen_bay' | 'heung_yuen_wai' | 'hzmb';

export interface Consignment {
  ccrn: string;
  direction: Direction;
  status: StoredConsignmentStatus;
  expectedCrossingAt: Date;
  packages: number;
  description: string;
  consignor: string;
  consignee: string;
  bundleRef: string | null;
  /** Vehicle of the bundle, when bundled or crossed. */
  vehicleMark: string | null;
  bundledAt: Date | null;
  crossedAt: Date | null;
  controlPoint: ControlPointKey | null;
}

export type IdDocumentType = 'hkid' | 'prc_exit_entry_permit' | 'passport';

export interface Driver {
  driverNo: string;
  nameEn: string;
  nameZh: string;
  /** E.164, or null when the driver gave no mobile. */
  mobile: string | null;
  /** True when the mobile can receive SMS (a landline cannot). */
  smsCapable: boolean;
  locale: Locale;
  idDocumentType: IdDocumentType;
  /** Full document number: never logged, only compared (see core/mask.ts). */
  idDocumentNumber: string;
  vehicles: string[];
  /** True for records loaded from the demo seed: never sent a real message. */
  demo: boolean;
}

export type StoredTokenStatus = 'active' | 'locked' | 'replaced';

export interface Token {
  serial: string;
  driverNo: string;
  secretBase32: string;
  labelColour: string;
  /** Last valid day (Hong Kong date, YYYY-MM-DD). */
  expiresOn: string;
  status: StoredTokenStatus;
  failedAttempts: number;
  /** Last TOTP step accepted; steps <= this are refused. */
  lastUsedStep: number | null;
  /** While `status` is 'locked': when the lock ends (a lock whose time has passed no longer holds). */
  lockedUntil: Date | null;
  /** Locks since the last right code or agent unlock: the next lock lasts twice as long as the last. */
  lockCount: number;
}

export interface Bundle {
  bundleRef: string;
  driverNo: string;
  vehicleMark: string;
  direction: Direction;
  ccrns: string[];
  createdAt: Date;
  earliestCrossingAt: Date;
  status: 'active' | 'cancelled' | 'crossed';
  channel: Channel;
}

export type RegistrationStatus =
  | 'received'
  | 'processing'
  | 'awaiting_visit'
  | 'more_info_required'
  | 'completed'
  | 'rejected';

export interface Registration {
  refNo: string;
  applicantType: string;
  applicantName: string;
  status: RegistrationStatus;
  note: string | null;
  letterValidUntil: string | null;
}

/** An authorisation from a token code: lasts 10 minutes; nothing persisted holds the code. */
export interface Authorisation {
  driverNo: string;
  serial: string;
  /** epoch ms */
  until: number;
}

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
