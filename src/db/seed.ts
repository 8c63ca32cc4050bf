/**
 * The demo seed: every record of `demo-seed.json` (a copy of the shared fixture, plus a few records
 * of our own), with relative times resolved against the moment of seeding.
 */
import demoSeed from './demo-seed.json' with { type: 'json' };
import type { Sql } from './connect.js';
import { SCHEMA_LOCK, SCHEMA_TIMEOUT_MS, setLocalTimeouts } from './migrate.js';
import { canReceiveSms } from '../core/identifiers.js';
import { hongKongDate } from '../core/directory.js';
import type {
  ControlPointKey,
  Direction,
  IdDocumentType,
  Locale,
  RegistrationStatus,
  StoredConsignmentStatus,
  StoredTokenStatus,
} from '../core/types.js';

/** The shape of `demo-seed.json`. */
export interface DemoSeed {
  drivers: {
    key: string;
    driverNo: string;
    nameEn: string;
    nameZh: string;
    mobile: string | null;
    /** Demo addresses are on the reserved example.test domain: never sent to (outbox). */
    email?: string;
    locale: Locale;
    idDocument: { type: IdDocumentType; number: string };
    vehicles: string[];
    token?: {
      serial: string;
      secretBase32: string;
      labelColour: string;
      expiresInDays?: number;
      expiresOn?: string;
      status: StoredTokenStatus;
    };
  }[];
  consignments: {
    key: string;
    ccrn: string;
    direction: Direction;
    status: StoredConsignmentStatus;
    expectedCrossingInMinutes: number;
    packages: number;
    description: string;
    consignor: string;
    consignee: string;
    bundledWith?: { driver: string; vehicle: string; bundledMinutesAgo: number; bundleRef: string };
    crossed?: { controlPoint: ControlPointKey; minutesAgo: number };
  }[];
  registrations: {
    key: string;
    refNo: string;
    applicantType: string;
    applicantName: string;
    status: RegistrationStatus;
    note?: string;
    letterValidUntilInDays?: number;
  }[];
}

export const DEMO_SEED = demoSeed as unknown as DemoSeed;

const MINUTE = 60_000;
/** Bundling allows crossing 30 minutes later (DESIGN.md). */
const EARLIEST_CROSSING_MS = 30 * MINUTE;
/** The fifth wrong code locks a token: a token seeded as locked has used them up. */
const LOCK_AFTER = 5;
/** A token seeded as locked is in its longest lock (24 hours from loading; README, "Token lock"). */
const DEMO_LOCK_MS = 24 * 60 * MINUTE;
const DEMO_LOCK_COUNT = 8;

/** `YYYY-MM-DD` plus `days` (calendar arithmetic on the date itself, no time zone involved). */
export function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * Loads the demo seed. Takes the migrations' advisory lock, so several instances starting at once
 * load it once. Without `force` it loads only into a database that has no driver at all; with
 * `force` (`npm run seed`) it adds whatever is missing and leaves existing records as they are.
 */
export async function seedDemo(sql: Sql, now: Date, opts: { force?: boolean; seed?: DemoSeed } = {}): Promise<{ loaded: boolean }> {
  const seed = opts.seed ?? DEMO_SEED;
  const at = (minutes: number) => new Date(now.getTime() + minutes * MINUTE);
  const today = hongKongDate(now);

  return sql.begin(async (tx) => {
    // Longer deadlines than a request's, for this transaction only (src/db/migrate.ts).
    await setLocalTimeouts(tx, SCHEMA_TIMEOUT_MS, SCHEMA_TIMEOUT_MS);
    await tx`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`;
    if (!opts.force) {
      const [row] = await tx<{ any: boolean }[]>`SELECT EXISTS (SELECT 1 FROM drivers) AS any`;
      if (row?.any) return { loaded: false };
    }
    const driverNoByKey = new Map(seed.drivers.map((d) => [d.key, d.driverNo]));

    for (const d of seed.drivers) {
      await tx`
        INSERT INTO drivers (driver_no, name_en, name_zh, mobile, email, sms_capable, locale, id_document_type, id_document_number, demo, created_at)
        VALUES (${d.driverNo}, ${d.nameEn}, ${d.nameZh}, ${d.mobile}, ${d.email ?? null}, ${d.mobile ? canReceiveSms(d.mobile) : false}, ${d.locale},
          ${d.idDocument.type}, ${d.idDocument.number}, true, ${now})
        ON CONFLICT DO NOTHING`;
      for (const [position, mark] of d.vehicles.entries()) {
        await tx`INSERT INTO vehicles (driver_no, mark, position) VALUES (${d.driverNo}, ${mark}, ${position}) ON CONFLICT DO NOTHING`;
      }
      const t = d.token;
      if (t) {
        const expiresOn = t.expiresOn ?? addDays(today, t.expiresInDays ?? 0);
        const locked = t.status === 'locked';
        await tx`
          INSERT INTO tokens (serial, driver_no, secret_base32, label_colour, expires_on, status, failed_attempts, locked_at,
            locked_until, lock_count, replaced_at, created_at)
          VALUES (${t.serial}, ${d.driverNo}, ${t.secretBase32}, ${t.labelColour}, ${expiresOn}::date, ${t.status},
            ${locked ? LOCK_AFTER : 0}, ${locked ? now : null}, ${locked ? new Date(now.getTime() + DEMO_LOCK_MS) : null},
            ${locked ? DEMO_LOCK_COUNT : 0}, ${t.status === 'replaced' ? now : null}, ${now})
          ON CONFLICT DO NOTHING`;
      }
    }

    for (const c of seed.consignments) {
      const expected = at(c.expectedCrossingInMinutes);
      const b = c.bundledWith;
      if (b) {
        const driverNo = driverNoByKey.get(b.driver);
        if (!driverNo) throw new Error(`demo seed: consignment ${c.key} names unknown driver ${b.driver}`);
        const created = at(-b.bundledMinutesAgo);
        await tx`
          INSERT INTO bundles (bundle_ref, driver_no, vehicle_mark, direction, status, channel, created_at, earliest_crossing_at)
          VALUES (${b.bundleRef}, ${driverNo}, ${b.vehicle}, ${c.direction}, ${c.status === 'crossed' ? 'crossed' : 'active'},
            'system', ${created}, ${new Date(created.getTime() + EARLIEST_CROSSING_MS)})
          ON CONFLICT DO NOTHING`;
      }
      const declared = new Date(Math.min(now.getTime(), expected.getTime(), b ? at(-b.bundledMinutesAgo).getTime() : Infinity) - 2 * 60 * MINUTE);
      await tx`
        INSERT INTO consignments (ccrn, direction, status, expected_crossing_at, packages, description, consignor, consignee,
          bundle_ref, crossed_at, control_point, declared_at)
        VALUES (${c.ccrn}, ${c.direction}, ${c.status}, ${expected}, ${c.packages}, ${c.description}, ${c.consignor},
          ${c.consignee}, ${b?.bundleRef ?? null}, ${c.crossed ? at(-c.crossed.minutesAgo) : null},
          ${c.crossed?.controlPoint ?? null}, ${declared})
        ON CONFLICT DO NOTHING`;
      if (b) {
        const [{ n }] = (await tx<{ n: number }[]>`
          SELECT count(*)::int AS n FROM bundle_items WHERE bundle_ref = ${b.bundleRef}`) as unknown as [{ n: number }];
        await tx`INSERT INTO bundle_items (bundle_ref, ccrn, position) VALUES (${b.bundleRef}, ${c.ccrn}, ${n}) ON CONFLICT DO NOTHING`;
      }
    }

    for (const r of seed.registrations) {
      const letter = r.letterValidUntilInDays === undefined ? null : addDays(today, r.letterValidUntilInDays);
      await tx`
        INSERT INTO registrations (ref_no, applicant_type, applicant_name, status, note, letter_valid_until)
        VALUES (${r.refNo}, ${r.applicantType}, ${r.applicantName}, ${r.status}, ${r.note ?? null}, ${letter}::date)
        ON CONFLICT DO NOTHING`;
    }
    return { loaded: true };
  }) as Promise<{ loaded: boolean }>;
}
