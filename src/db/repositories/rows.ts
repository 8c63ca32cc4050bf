/** Row shapes and their mapping to domain types (postgres.js returns timestamptz as Date, bigint as string). */
import type {
  Bundle,
  Channel,
  Consignment,
  ControlPointKey,
  Direction,
  Driver,
  IdDocumentType,
  Locale,
  Registration,
  RegistrationStatus,
  StoredConsignmentStatus,
  StoredTokenStatus,
  Token,
} from '../../core/types.js';

export interface TokenRow {
  serial: string;
  driver_no: string;
  secret_base32: string;
  label_colour: string;
  expires_on: string;
  status: StoredTokenStatus;
  failed_attempts: number;
  last_used_step: string | number | null;
  locked_until: Date | null;
  lock_count: number;
}

/** Columns of `tokens` with the date as text (a `date` would come back as a UTC Date). */
export const TOKEN_COLUMNS = `serial, driver_no, secret_base32, label_colour, expires_on::text AS expires_on, status,
  failed_attempts, last_used_step, locked_until, lock_count`;

export const toToken = (r: TokenRow): Token => ({
  serial: r.serial,
  driverNo: r.driver_no,
  secretBase32: r.secret_base32,
  labelColour: r.label_colour,
  expiresOn: r.expires_on,
  status: r.status,
  failedAttempts: r.failed_attempts,
  lastUsedStep: r.last_used_step === null ? null : Number(r.last_used_step),
  lockedUntil: r.locked_until,
  lockCount: r.lock_count,
});

export interface DriverRow {
  driver_no: string;
  name_en: string;
  name_zh: string;
  mobile: string | null;
  sms_capable: boolean;
  locale: Locale;
  id_document_type: IdDocumentType;
  id_document_number: string;
  demo: boolean;
  vehicles: string[] | null;
}

export const toDriver = (r: DriverRow): Driver => ({
  driverNo: r.driver_no,
  nameEn: r.name_en,
  nameZh: r.name_zh,
  mobile: r.mobile,
  smsCapable: r.sms_capable,
  locale: r.locale,
  idDocumentType: r.id_document_type,
  idDocumentNumber: r.id_document_number,
  vehicles: r.vehicles ?? [],
  demo: r.demo,
});

export interface ConsignmentRow {
  ccrn: string;
  direction: Direction;
  status: StoredConsignmentStatus;
  expected_crossing_at: Date;
  packages: number;
  description: string;
  consignor: string;
  consignee: string;
  bundle_ref: string | null;
  vehicle_mark: string | null;
  bundled_at: Date | null;
  crossed_at: Date | null;
  control_point: ControlPointKey | null;
}

/** Consignments with the vehicle and time of their bundle. Alias `c` for consignments. */
export const CONSIGNMENT_SELECT = `SELECT c.ccrn, c.direction, c.status, c.expected_crossing_at, c.packages, c.description,
  c.consignor, c.consignee, c.bundle_ref, b.vehicle_mark, b.created_at AS bundled_at, c.crossed_at, c.control_point
  FROM consignments c LEFT JOIN bundles b ON b.bundle_ref = c.bundle_ref`;

export const toConsignment = (r: ConsignmentRow): Consignment => ({
  ccrn: r.ccrn,
  direction: r.direction,
  status: r.status,
  expectedCrossingAt: r.expected_crossing_at,
  packages: r.packages,
  description: r.description,
  consignor: r.consignor,
  consignee: r.consignee,
  bundleRef: r.bundle_ref,
  vehicleMark: r.bundle_ref ? r.vehicle_mark : null,
  bundledAt: r.bundle_ref ? r.bundled_at : null,
  crossedAt: r.crossed_at,
  controlPoint: r.control_point,
});

export interface BundleRow {
  bundle_ref: string;
  driver_no: string;
  vehicle_mark: string;
  direction: Direction;
  status: Bundle['status'];
  channel: Channel;
  created_at: Date;
  earliest_crossing_at: Date;
  ccrns: string[] | null;
}

/** Bundles with their CCRNs in the order given. Alias `b` for bundles. */
export const BUNDLE_SELECT = `SELECT b.bundle_ref, b.driver_no, b.vehicle_mark, b.direction, b.status, b.channel,
  b.created_at, b.earliest_crossing_at,
  ARRAY(SELECT i.ccrn FROM bundle_items i WHERE i.bundle_ref = b.bundle_ref ORDER BY i.position) AS ccrns
  FROM bundles b`;

export const toBundle = (r: BundleRow): Bundle => ({
  bundleRef: r.bundle_ref,
  driverNo: r.driver_no,
  vehicleMark: r.vehicle_mark,
  direction: r.direction,
  ccrns: r.ccrns ?? [],
  createdAt: r.created_at,
  earliestCrossingAt: r.earliest_crossing_at,
  status: r.status,
  channel: r.channel,
});

export interface RegistrationRow {
  ref_no: string;
  applicant_type: string;
  applicant_name: string;
  status: RegistrationStatus;
  note: string | null;
  letter_valid_until: string | null;
}

export const toRegistration = (r: RegistrationRow): Registration => ({
  refNo: r.ref_no,
  applicantType: r.applicant_type,
  applicantName: r.applicant_name,
  status: r.status,
  note: r.note,
  letterValidUntil: r.letter_valid_until,
});
