import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/connect.js';
import { createDataPorts } from '../../src/db/repositories/index.js';
import { DEMO_SEED, seedDemo } from '../../src/db/seed.js';
import { checkCcrn, checkDriverNo, checkRegRef, checkBundleRef, checkHkid } from '../../src/core/identifiers.js';
import { dbTargets } from '../helpers/db.js';

// 20:00 UTC is 04:00 the next day in Hong Kong: relative dates must follow the Hong Kong date.
const NOW = new Date('2026-11-26T20:00:00Z');
const MIN = 60_000;
const byKey = <T extends { key: string }>(list: T[], key: string): T => list.find((x) => x.key === key)!;

const counts = async (db: Database) => {
  const [row] = await db.sql<Record<string, number>[]>`
    SELECT (SELECT count(*)::int FROM drivers) AS drivers, (SELECT count(*)::int FROM vehicles) AS vehicles,
      (SELECT count(*)::int FROM tokens) AS tokens, (SELECT count(*)::int FROM consignments) AS consignments,
      (SELECT count(*)::int FROM bundles) AS bundles, (SELECT count(*)::int FROM bundle_items) AS items,
      (SELECT count(*)::int FROM registrations) AS registrations`;
  return row!;
};
const wipe = (db: Database) =>
  db.sql`TRUNCATE drivers, vehicles, tokens, consignments, bundles, bundle_items, registrations CASCADE`;

describe('the demo seed file', () => {
  it('holds the shared fixture\'s records and identifiers that pass their checks', () => {
    expect(DEMO_SEED.drivers.map((d) => d.key)).toEqual(expect.arrayContaining(['chan', 'lee', 'wang', 'ho']));
    expect(DEMO_SEED.consignments.map((c) => c.key)).toEqual(
      expect.arrayContaining(['in1', 'in2', 'out1', 'bundled', 'crossed', 'cancelled', 'expired', 'soon', 'out2']),
    );
    expect(DEMO_SEED.registrations.map((r) => r.key)).toEqual(
      expect.arrayContaining(['awaiting', 'processing', 'completed', 'rejected', 'moreinfo']),
    );
    for (const d of DEMO_SEED.drivers) {
      expect(checkDriverNo(d.driverNo)).toEqual({ ok: true, value: d.driverNo });
      if (d.idDocument.type === 'hkid') expect(checkHkid(d.idDocument.number).ok).toBe(true);
    }
    for (const c of DEMO_SEED.consignments) {
      expect(checkCcrn(c.ccrn)).toEqual({ ok: true, value: c.ccrn });
      if (c.bundledWith) expect(checkBundleRef(c.bundledWith.bundleRef).ok).toBe(true);
    }
    for (const r of DEMO_SEED.registrations) expect(checkRegRef(r.refNo)).toEqual({ ok: true, value: r.refNo });
    // Every registration status exists in the demo data.
    expect(new Set(DEMO_SEED.registrations.map((r) => r.status))).toEqual(
      new Set(['received', 'processing', 'awaiting_visit', 'more_info_required', 'completed', 'rejected']),
    );
  });
});

describe.each(dbTargets())('demo seed on $name', (target) => {
  let db: Database;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(() => db?.close());

  it('loads every record verbatim into an empty database, times resolved against the moment of seeding', async () => {
    expect(await seedDemo(db.sql, NOW)).toEqual({ loaded: true });
    const ports = createDataPorts(db.sql);

    for (const d of DEMO_SEED.drivers) {
      const driver = await ports.drivers.byDriverNo(d.driverNo);
      expect(driver).toMatchObject({
        driverNo: d.driverNo,
        nameEn: d.nameEn,
        nameZh: d.nameZh,
        mobile: d.mobile,
        locale: d.locale,
        idDocumentType: d.idDocument.type,
        idDocumentNumber: d.idDocument.number,
        vehicles: d.vehicles,
        demo: true,
      });
      if (d.mobile) expect(await ports.drivers.isDemoNumber(d.mobile)).toBe(true);
      const token = await ports.tokens.currentForDriver(d.driverNo);
      if (!d.token) {
        expect(token).toBeNull();
        continue;
      }
      expect(token).toMatchObject({
        serial: d.token.serial,
        driverNo: d.driverNo,
        secretBase32: d.token.secretBase32,
        labelColour: d.token.labelColour,
        status: d.token.status,
        lastUsedStep: null,
      });
    }
    const tokenOf = async (key: string) => (await ports.tokens.currentForDriver(byKey(DEMO_SEED.drivers, key).driverNo))!;
    expect((await tokenOf('chan')).expiresOn).toBe('2028-10-27');
    expect((await tokenOf('lee')).expiresOn).toBe('2026-12-17');
    expect((await tokenOf('wang')).expiresOn).toBe('2028-01-01');
    expect((await tokenOf('ho')).expiresOn).toBe('2024-05-31');
    expect((await ports.drivers.byDriverNo('41000056'))?.smsCapable).toBe(false);
    expect((await ports.drivers.byDriverNo('41000019'))?.smsCapable).toBe(true);

    for (const c of DEMO_SEED.consignments) {
      const got = await ports.consignments.byCcrn(c.ccrn);
      expect(got).toMatchObject({
        ccrn: c.ccrn,
        direction: c.direction,
        status: c.status,
        packages: c.packages,
        description: c.description,
        consignor: c.consignor,
        consignee: c.consignee,
        expectedCrossingAt: new Date(NOW.getTime() + c.expectedCrossingInMinutes * MIN),
        bundleRef: c.bundledWith?.bundleRef ?? null,
        vehicleMark: c.bundledWith?.vehicle ?? null,
        bundledAt: c.bundledWith ? new Date(NOW.getTime() - c.bundledWith.bundledMinutesAgo * MIN) : null,
        crossedAt: c.crossed ? new Date(NOW.getTime() - c.crossed.minutesAgo * MIN) : null,
        controlPoint: c.crossed?.controlPoint ?? null,
      });
      if (c.bundledWith) {
        const bundle = await ports.bundles.byRef(c.bundledWith.bundleRef);
        const bundledAt = NOW.getTime() - c.bundledWith.bundledMinutesAgo * MIN;
        expect(bundle).toMatchObject({
          driverNo: byKey(DEMO_SEED.drivers, c.bundledWith.driver).driverNo,
          vehicleMark: c.bundledWith.vehicle,
          direction: c.direction,
          ccrns: [c.ccrn],
          status: c.status === 'crossed' ? 'crossed' : 'active',
          createdAt: new Date(bundledAt),
          earliestCrossingAt: new Date(bundledAt + 30 * MIN),
        });
      }
    }

    for (const r of DEMO_SEED.registrations) {
      expect(await ports.registrations.byRef(r.refNo)).toEqual({
        refNo: r.refNo,
        applicantType: r.applicantType,
        applicantName: r.applicantName,
        status: r.status,
        note: r.note ?? null,
        letterValidUntil: r.letterValidUntilInDays === undefined ? null : expect.any(String),
      });
    }
    expect((await ports.registrations.byRef('2026110012'))?.letterValidUntil).toBe('2026-11-17');

    expect(await counts(db)).toMatchObject({
      drivers: DEMO_SEED.drivers.length,
      tokens: DEMO_SEED.drivers.filter((d) => d.token).length,
      consignments: DEMO_SEED.consignments.length,
      registrations: DEMO_SEED.registrations.length,
    });
  });

  it('leaves a database that has drivers alone, and adds only what is missing when forced', async () => {
    const before = await counts(db);
    await db.sql`UPDATE drivers SET name_en = 'CHANGED' WHERE driver_no = '41000019'`;
    expect(await seedDemo(db.sql, new Date(NOW.getTime() + 3_600_000))).toEqual({ loaded: false });
    expect(await counts(db)).toEqual(before);

    await db.sql`DELETE FROM registrations WHERE ref_no = '2026110020'`;
    expect(await seedDemo(db.sql, NOW, { force: true })).toEqual({ loaded: true });
    expect(await counts(db)).toEqual(before);
    const [row] = await db.sql<{ name_en: string }[]>`SELECT name_en FROM drivers WHERE driver_no = '41000019'`;
    expect(row?.name_en).toBe('CHANGED');
    await db.sql`UPDATE drivers SET name_en = 'CHAN Tai Man' WHERE driver_no = '41000019'`;
  });

  it('loads once when several instances seed an empty database at the same moment', async () => {
    const full = await counts(db);
    await wipe(db);
    const results = await Promise.all([1, 2, 3].map(() => seedDemo(db.sql, NOW)));
    expect(results.filter((r) => r.loaded)).toHaveLength(1);
    expect(await counts(db)).toEqual(full);
  });
});
