/**
 * Records a voice test makes for itself (drivers with a token and vehicles, consignments), so tests
 * do not share the demo records they change. Numbers carry valid check digits; each call to a
 * factory gives new ones.
 */
import { randomBytes } from 'node:crypto';
import type { Sql } from '../../../src/db/connect.js';
import { dammCheckDigit, normalisePhone } from '../../../src/core/identifiers.js';
import { codeAt } from '../../../src/core/totp.js';
import type { Direction, Locale } from '../../../src/core/types.js';
import { base32 } from '../../helpers/base32.js';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

// A block of numbers of its own for each test file (and database target) that imports this. Its
// mobiles (+852 9bbb nnnn) must be numbers libphonenumber accepts, or caller ID does not know the
// driver: 9000-9009, 9110-9119, 9292 ... are not allocated, and a block there (about one run in twenty-five)
// failed every caller-ID test of the file.
const validBlock = (b: number) => [0, 9999].every((n) => normalisePhone(`+8529${pad(b, 3)}${pad(n, 4)}`) !== null);
let block = randomBytes(2).readUInt16BE(0) % 900;
while (!validBlock(block)) block = (block + 1) % 900;
let seq = 0;
const next = () => ++seq;

export interface TestDriver {
  driverNo: string;
  mobile: string;
  serial: string;
  secret: string;
  vehicles: string[];
  /** The code the token shows now (`offset` steps away). */
  code(offset?: number): string;
  /** A 6-digit code that is none of those the service accepts now. */
  wrongCode(): string;
}

export async function addDriver(
  sql: Sql,
  opts: { locale?: Locale; vehicles?: string[]; expiresInDays?: number; tokenStatus?: 'active' | 'locked' } = {},
): Promise<TestDriver> {
  const n = next();
  const body = `6${pad(block, 3)}${pad(n, 3)}`;
  const driverNo = body + dammCheckDigit(body);
  const mobile = `+8529${pad(block, 3)}${pad(n, 4)}`;
  const serial = `V${pad(block, 3)}${pad(n, 5)}`;
  const secret = base32(randomBytes(20));
  const vehicles = opts.vehicles ?? [`KT${(block * 10 + n) % 9999 || 1}`];
  const expires = new Date(Date.now() + (opts.expiresInDays ?? 400) * 86_400_000).toISOString().slice(0, 10);
  await sql`INSERT INTO drivers (driver_no, name_en, name_zh, mobile, sms_capable, locale, id_document_type, id_document_number, demo)
    VALUES (${driverNo}, ${'TEST Driver ' + n}, ${'測試司機'}, ${mobile}, true, ${opts.locale ?? 'en'}, 'hkid', 'A1234563', false)`;
  for (const [i, mark] of vehicles.entries()) {
    await sql`INSERT INTO vehicles (driver_no, mark, position) VALUES (${driverNo}, ${mark}, ${i})`;
  }
  // A token made 'locked' is in a lock that outlasts any test (README, "Token lock").
  const lockedUntil = opts.tokenStatus === 'locked' ? new Date('2100-01-01T00:00:00Z') : null;
  await sql`INSERT INTO tokens (serial, driver_no, secret_base32, label_colour, expires_on, status, failed_attempts, locked_until, lock_count)
    VALUES (${serial}, ${driverNo}, ${secret}, 'green', ${expires}, ${opts.tokenStatus ?? 'active'}, 0, ${lockedUntil}, ${lockedUntil ? 1 : 0})`;
  const code = (offset = 0) => codeAt(secret, new Date(), offset);
  return {
    driverNo,
    mobile,
    serial,
    secret,
    vehicles,
    code,
    wrongCode: () => {
      const taken = new Set([-2, -1, 0, 1, 2].map((o) => code(o)));
      let c = Number(code());
      do c = (c + 7919) % 1_000_000;
      while (taken.has(pad(c, 6)));
      return pad(c, 6);
    },
  };
}

/** A consignment declared `crossingInMinutes` from now (negative: in the past). */
export async function addConsignment(
  sql: Sql,
  opts: { direction?: Direction; status?: 'submitted' | 'cancelled'; crossingInMinutes?: number; packages?: number } = {},
): Promise<string> {
  const body = `2611${pad(block, 3)}${pad(next(), 4)}`;
  const ccrn = body + dammCheckDigit(body);
  const crossing = new Date(Date.now() + (opts.crossingInMinutes ?? 180) * 60_000);
  await sql`INSERT INTO consignments (ccrn, direction, status, expected_crossing_at, packages, description, consignor, consignee)
    VALUES (${ccrn}, ${opts.direction ?? 'inbound'}, ${opts.status ?? 'submitted'}, ${crossing}, ${opts.packages ?? 4}, 'Test cargo', 'Test Shipper Ltd', 'Test Consignee Ltd')`;
  return ccrn;
}

/** A CCRN with a valid check digit that no consignment has. */
export function unknownCcrn(): string {
  const body = `2611${pad(block, 3)}${pad(next(), 4)}`;
  return body + dammCheckDigit(body);
}

/** The same number with its last digit changed: fails the check digit. */
export const typo = (n: string): string => n.slice(0, -1) + String((Number(n.at(-1)) + 1) % 10);

/** How voice reads digits: "3 0 0, 0 0 0, 0 1 6" for a bundle reference in groups of 3. */
export const spokenDigits = (value: string, group = 4): string => {
  const groups: string[] = [];
  for (let i = 0; i < value.length; i += group) groups.push(value.slice(i, i + group).split('').join(' '));
  return groups.join(', ');
};
