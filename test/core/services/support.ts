/** Shared set-up for the service and repository suites: services over a real database, own records. */
import { Secret } from 'otpauth';
import type { Database, Sql } from '../../../src/db/connect.js';
import { seedDemo } from '../../../src/db/seed.js';
import type { DbTarget } from '../../helpers/db.js';
import { createDataPorts } from '../../../src/db/repositories/index.js';
import { createServices } from '../../../src/core/create-services.js';
import { createDirectory } from '../../../src/core/directory.js';
import { createGuidance } from '../../../src/core/guidance.js';
import { createOutbound } from '../../../src/core/outbound.js';
import { smsTokenLockNotifier } from '../../../src/channels/sms/notices.js';
import { dammCheckDigit } from '../../../src/core/identifiers.js';
import type { Clock, Direction, IdDocumentType, StoredConsignmentStatus } from '../../../src/core/types.js';
import type { Services } from '../../../src/core/services.js';
import type { DataPorts } from '../../../src/core/ports.js';

/** The services over a database; `wrap` may put observers around the ports. */
export function servicesOver(sql: Sql, clock: Clock, retentionDays = 90, wrap: (p: DataPorts) => DataPorts = (p) => p): Services {
  const ports = wrap(createDataPorts(sql));
  const directory = createDirectory({ clock });
  const outbound = createOutbound({ outbox: ports.outbox, drivers: ports.drivers, provider: null, clock });
  return createServices({
    ports,
    clock,
    outbound,
    directory,
    guidance: createGuidance(directory),
    retentionDays,
    // As production wires it: the lock notice goes out by SMS (here, into the outbox).
    notifyLocked: smsTokenLockNotifier(outbound),
  });
}

/** A fresh database from `target` holding the demo seed (as of `seededAt`), with the services over it. */
export async function openSeeded(
  target: DbTarget,
  seededAt: Date,
  clock: Clock,
  retentionDays = 90,
): Promise<{ db: Database; services: Services }> {
  const db = await target.open();
  await seedDemo(db.sql, seededAt);
  return { db, services: servicesOver(db.sql, clock, retentionDays) };
}

let serial = 0;
/** A fresh number of `length` digits (check digit included) starting with `prefix`. */
export function freshId(prefix: string, length: number): string {
  serial += 1;
  const body = prefix + String(serial).padStart(length - 1 - prefix.length, '0');
  return body + dammCheckDigit(body);
}

export interface MadeDriver {
  driverNo: string;
  serial: string;
  secret: string;
  vehicles: string[];
  mobile: string;
}

/** Inserts a driver of our own with a vehicle and an active token (expiring in a year unless told). */
export async function makeDriver(
  sql: Sql,
  opts: { expiresOn?: string; vehicles?: string[]; idDocumentType?: IdDocumentType; tokenStatus?: 'active' | 'locked'; noToken?: boolean } = {},
): Promise<MadeDriver> {
  const driverNo = freshId('5', 8);
  const vehicles = opts.vehicles ?? [`TK${(serial % 9000) + 1000}`];
  const mobile = `+8526${String(serial).padStart(7, '0')}`;
  await sql`
    INSERT INTO drivers (driver_no, name_en, name_zh, mobile, locale, id_document_type, id_document_number)
    VALUES (${driverNo}, ${'TEST Driver ' + driverNo}, '測試', ${mobile}, 'en', ${opts.idDocumentType ?? 'hkid'}, 'Z9999999')`;
  for (const [i, mark] of vehicles.entries()) await sql`INSERT INTO vehicles (driver_no, mark, position) VALUES (${driverNo}, ${mark}, ${i})`;
  const secret = new Secret({ size: 20 }).base32;
  const tokenSerial = `X${driverNo}`;
  if (!opts.noToken) {
    await sql`
      INSERT INTO tokens (serial, driver_no, secret_base32, label_colour, expires_on, status, locked_until, lock_count)
      VALUES (${tokenSerial}, ${driverNo}, ${secret}, 'green', ${opts.expiresOn ?? '2099-12-31'}::date, ${opts.tokenStatus ?? 'active'},
        ${opts.tokenStatus === 'locked' ? new Date('2100-01-01T00:00:00Z') : null}, ${opts.tokenStatus === 'locked' ? 1 : 0})`;
  }
  return { driverNo, serial: tokenSerial, secret, vehicles, mobile };
}

/** Inserts a submitted (or cancelled) consignment of our own; returns its CCRN. */
export async function makeConsignment(
  sql: Sql,
  opts: { direction?: Direction; expectedCrossingAt: Date; status?: Extract<StoredConsignmentStatus, 'submitted' | 'cancelled'> },
): Promise<string> {
  const ccrn = freshId('2612', 12);
  await sql`
    INSERT INTO consignments (ccrn, direction, status, expected_crossing_at, packages, description, consignor, consignee)
    VALUES (${ccrn}, ${opts.direction ?? 'inbound'}, ${opts.status ?? 'submitted'}, ${opts.expectedCrossingAt}, 1, 'Test goods', 'A', 'B')`;
  return ccrn;
}

/** Counts rows of the tables a bundling writes. */
export async function bundleCounts(sql: Sql): Promise<{ bundles: number; items: number; bundled: number }> {
  const [row] = await sql<{ bundles: number; items: number; bundled: number }[]>`
    SELECT (SELECT count(*)::int FROM bundles) AS bundles, (SELECT count(*)::int FROM bundle_items) AS items,
      (SELECT count(*)::int FROM consignments WHERE status = 'bundled') AS bundled`;
  return row!;
}

export const web = { channel: 'web' as const, caller: null };
export const voice = (caller = '+85291110000') => ({ channel: 'voice' as const, caller });
export const MINUTE = 60_000;
