/** Records of the flow suites' own (beside the demo seed), so tests do not share consignments. */
import { Secret } from 'otpauth';
import type { Sql } from '../../src/db/connect.js';
import { dammCheckDigit, normalisePhone } from '../../src/core/identifiers.js';
import { codeAt, stepAt } from '../../src/core/totp.js';
import type { Direction } from '../../src/core/types.js';

let serial = 0;
const next = () => ++serial + Math.floor(Math.random() * 1000) * 1000;

/** A number of `length` digits that passes its Damm check, starting with `prefix`. */
export function validId(prefix: string, length: number, n: number = next()): string {
  const body = prefix + String(n).padStart(length - 1 - prefix.length, '0');
  return body + dammCheckDigit(body);
}

/** The same number with its check digit wrong. */
export const withBadCheckDigit = (id: string): string => id.slice(0, -1) + String((Number(id.at(-1)) + 1) % 10);

export interface TestDriver {
  driverNo: string;
  nameEn: string;
  secret: string;
  mobile: string;
  vehicles: string[];
}

/** A registered English-speaking driver with an active token (valid for years) and these vehicles. */
export async function makeDriver(sql: Sql, opts: { vehicles?: string[]; locale?: 'en' | 'zh-HK' | 'zh-CN' } = {}): Promise<TestDriver> {
  const n = next();
  const driverNo = validId('6', 8, n);
  // 62xx xxxx: a Hong Kong mobile range. Not all of it: 6262 xxxx and 6269 xxxx are not allocated,
  // and a caller from such a number is not recognised (this made two tests fail one run in fifty).
  let mobile = '';
  for (let k = 0; normalisePhone(mobile) !== mobile || !mobile; k++) mobile = `+85262${String((n + k * 10_007) % 1_000_000).padStart(6, '0')}`;
  const vehicles = opts.vehicles ?? [`TK${(n % 9000) + 1000}`];
  const nameEn = `TEST Driver ${n}`;
  await sql`
    INSERT INTO drivers (driver_no, name_en, name_zh, mobile, locale, id_document_type, id_document_number)
    VALUES (${driverNo}, ${nameEn}, '測試司機', ${mobile}, ${opts.locale ?? 'en'}, 'hkid', 'Z9999999')`;
  for (const [i, mark] of vehicles.entries()) await sql`INSERT INTO vehicles (driver_no, mark, position) VALUES (${driverNo}, ${mark}, ${i})`;
  const secret = new Secret({ size: 20 }).base32;
  await sql`
    INSERT INTO tokens (serial, driver_no, secret_base32, label_colour, expires_on, status)
    VALUES (${'F' + driverNo}, ${driverNo}, ${secret}, 'green', '2099-12-31'::date, 'active')`;
  return { driverNo, nameEn, secret, mobile, vehicles };
}

/** A submitted consignment crossing in `minutes`; returns its CCRN. */
export async function makeConsignment(sql: Sql, opts: { at: Date; minutes?: number; direction?: Direction; packages?: number }): Promise<string> {
  const ccrn = validId('2612', 12);
  const expected = new Date(opts.at.getTime() + (opts.minutes ?? 240) * 60_000);
  await sql`
    INSERT INTO consignments (ccrn, direction, status, expected_crossing_at, packages, description, consignor, consignee)
    VALUES (${ccrn}, ${opts.direction ?? 'inbound'}, 'submitted', ${expected}, ${opts.packages ?? 2}, 'Test goods', 'A', 'B')`;
  return ccrn;
}

/** A 6-digit code the token does not accept now (none of the steps t-2..t+1 shows it). */
export function wrongCode(secret: string, now: Date): string {
  const valid = new Set([-2, -1, 0, 1].map((o) => codeAt(secret, now, o)));
  for (let i = 0; ; i++) {
    const c = String((Number(codeAt(secret, now, 7)) + i * 7919) % 1_000_000).padStart(6, '0');
    if (!valid.has(c)) return c;
  }
}

export { stepAt };
