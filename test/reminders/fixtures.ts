/** Drivers and tokens of the reminder suites (not demo records: demo numbers never reach a provider). */
import type { Sql } from '../../src/db/connect.js';
import type { Locale } from '../../src/core/types.js';
import { dammCheckDigit } from '../../src/core/identifiers.js';
import type { Clock } from '../../src/core/types.js';
import { createDataPorts } from '../../src/db/repositories/index.js';
import { createReminderRepository } from '../../src/db/repositories/reminders.js';
import { createCampaignService, type CampaignService } from '../../src/reminders/campaigns.js';
import { parseWindow } from '../../src/reminders/schedule.js';
import type { ReminderRepository } from '../../src/reminders/ports.js';

export interface TestDriver {
  driverNo: string;
  mobile: string | null;
  smsCapable: boolean;
  locale: Locale;
  serial: string;
  labelColour: string;
  expiresOn: string;
}

/** Driver number `i`: 5 then a 6-digit serial, then the Damm check digit. */
export const testDriverNo = (i: number) => {
  const body = '5' + String(i).padStart(6, '0');
  return body + dammCheckDigit(body);
};

/** A Hong Kong mobile (+852 61xx xxxx) or landline (+852 21xx xxxx) per index. */
export const testMobile = (i: number) => '+85261' + String(i).padStart(6, '0');
export const testLandline = (i: number) => '+85221' + String(i).padStart(6, '0');

export function testDriver(i: number, over: Partial<TestDriver> = {}): TestDriver {
  return {
    driverNo: testDriverNo(i),
    mobile: testMobile(i),
    smsCapable: true,
    locale: (['en', 'zh-HK', 'zh-CN'] as const)[i % 3]!,
    serial: 'P' + String(i).padStart(8, '0'),
    labelColour: 'purple',
    expiresOn: '2026-12-31',
    ...over,
  };
}

/** Inserts drivers and their tokens, in bulk. */
export async function insertDrivers(sql: Sql, drivers: TestDriver[]): Promise<void> {
  for (let i = 0; i < drivers.length; i += 5000) {
    const part = drivers.slice(i, i + 5000);
    const col = <K extends keyof TestDriver>(k: K) => part.map((d) => d[k]);
    await sql`
      INSERT INTO drivers (driver_no, name_en, name_zh, mobile, sms_capable, locale, id_document_type, id_document_number, demo)
      SELECT u.d, 'TEST Driver', '測試司機', u.m, u.s, u.l, 'hkid', 'A1234563', false
      FROM unnest(${sql.array(col('driverNo'))}::text[], ${sql.array(col('mobile') as string[])}::text[],
        ${sql.array(col('smsCapable'))}::boolean[], ${sql.array(col('locale'))}::text[]) AS u(d, m, s, l)`;
    await sql`
      INSERT INTO tokens (serial, driver_no, secret_base32, label_colour, expires_on, status)
      SELECT u.serial, u.d, 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', u.colour, u.e::date, 'active'
      FROM unnest(${sql.array(col('serial'))}::text[], ${sql.array(col('driverNo'))}::text[],
        ${sql.array(col('labelColour'))}::text[], ${sql.array(col('expiresOn'))}::text[]) AS u(serial, d, colour, e)`;
  }
}

/** 10:00 Hong Kong time on a date. */
export const hkAt = (date: string, time = '10:00') => new Date(`${date}T${time}:00+08:00`);

/**
 * The campaign service wired as the service wires it, on this database, with the default SMS
 * window (08:00-21:00), stages and hotline; `audit` records campaign actions when given.
 */
export function campaignServiceOn(
  sql: Sql,
  clock: Clock,
  opts: { stages?: number[]; repo?: ReminderRepository; audit?: boolean } = {},
): CampaignService {
  const ports = createDataPorts(sql);
  return createCampaignService({
    repo: opts.repo ?? createReminderRepository(sql),
    tokens: ports.tokens,
    drivers: ports.drivers,
    optOuts: ports.optOuts,
    ...(opts.audit ? { audit: ports.audit } : {}),
    clock,
    smsWindow: parseWindow('08:00-21:00'),
    defaultStages: opts.stages ?? [30, 14, 7, 1],
    hotline: '+85236690000',
  });
}
