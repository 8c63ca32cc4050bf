// Campaign creation, selection, preview and token replacement against the database (no provider involved).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/db.js';
import type { Database } from '../../src/db/connect.js';
import { createDataPorts } from '../../src/db/repositories/index.js';
import { createReminderRepository } from '../../src/db/repositories/reminders.js';
import { campaignInputSchema, type CampaignService } from '../../src/reminders/campaigns.js';
import type { ReminderRepository } from '../../src/reminders/ports.js';
import type { DataPorts } from '../../src/core/ports.js';
import { fakeClock } from '../helpers/clock.js';
import { campaignServiceOn, hkAt, insertDrivers, testDriver, testLandline } from './fixtures.js';

describe.each(dbTargets())('reminder campaigns on $name', (target) => {
  let db: Database;
  let repo: ReminderRepository;
  let ports: DataPorts;
  let service: CampaignService;
  const clock = fakeClock(hkAt('2026-12-20', '12:00'));

  beforeAll(async () => {
    db = await target.open();
    ports = createDataPorts(db.sql);
    repo = createReminderRepository(db.sql);
    service = campaignServiceOn(db.sql, clock, { repo, audit: true });
    await insertDrivers(db.sql, [
      testDriver(1, { labelColour: 'purple', expiresOn: '2026-12-31', locale: 'en' }),
      testDriver(2, { labelColour: 'purple', expiresOn: '2027-01-10', locale: 'zh-HK' }),
      testDriver(3, { labelColour: 'purple', expiresOn: '2027-06-30' }),
      testDriver(4, { labelColour: 'purple', expiresOn: '2027-01-05', mobile: testLandline(4), smsCapable: false }),
      testDriver(5, { labelColour: 'purple', expiresOn: '2027-01-05', mobile: null, smsCapable: false }),
      testDriver(6, { labelColour: 'green', expiresOn: '2026-12-31' }),
      testDriver(7, { labelColour: 'orange', expiresOn: '2027-01-15' }),
    ]);
    await ports.optOuts.set(testDriver(3).mobile!, true, clock.now());
  });
  afterAll(() => db?.close());

  it('previews by channel and stage, with the first messages, and writes nothing', async () => {
    const p = await service.preview({ labelColour: 'purple', expiringBefore: '2027-02-01' }, { samples: 2 });
    expect(p.tokens).toBe(4); // drivers 1, 2, 4, 5 (3 expires later)
    expect(p.byChannel).toEqual({ sms: 2, call: 1, callBecause: { no_sms_number: 1, opted_out: 0 }, unreachable: 1 });
    // 11 days left for driver 1: the 14-day stage goes now, 30 was missed.
    expect(p.rows).toContainEqual({ stage: 14, when: 'due_now', sms: 1, call: 0, unreachable: 0 });
    expect(p.rows).toContainEqual({ stage: 30, when: 'missed', sms: 1, call: 0, unreachable: 0 });
    expect(p.samples).toHaveLength(2);
    expect(p.samples[0]).toMatchObject({ driverNo: testDriver(1).driverNo, locale: 'en', channel: 'sms', stage: 14, toMasked: '+852****0001' });
    expect(p.samples[0]!.text).toContain('expires on 31 December 2026');
    expect(await repo.campaigns()).toHaveLength(0);
  });

  it('counts an opted-out driver as a call', async () => {
    const p = await service.preview({ labelColour: 'purple' });
    expect(p.byChannel.callBecause.opted_out).toBe(1);
  });

  it('creates one delivery per driver, with its stages, and never two for the same token', async () => {
    const first = await service.create({ labelColour: 'purple', expiringBefore: '2027-02-01' });
    expect(first).toMatchObject({ created: 4, covered: 0 });
    expect(first.campaign).toMatchObject({ status: 'active', stages: [30, 14, 7, 1], labelColour: 'purple', expiresBefore: '2027-02-01' });
    const stages = await repo.stages({ campaignId: first.campaign.id });
    expect(stages.filter((s) => s.driverNo === testDriver(1).driverNo).map((s) => [s.stage, s.state])).toEqual([
      [30, 'skipped'],
      [14, 'scheduled'],
      [7, 'scheduled'],
      [1, 'scheduled'],
    ]);
    // An overlapping campaign leaves out the tokens already being reminded.
    const second = await service.create(campaignInputSchema.parse({ expiringBefore: '2027-02-01', stages: '10,3' }));
    expect(second).toMatchObject({ created: 2, covered: 4 }); // drivers 6 and 7
    expect(second.campaign.stages).toEqual([10, 3]);
  });

  it('refuses a second delivery for the same campaign and driver (database constraint)', async () => {
    const c = (await repo.campaigns()).find((x) => x.stages.join() === '10,3');
    const [d] = await db.sql<{ token_serial: string; driver_no: string }[]>`
      SELECT token_serial, driver_no FROM reminder_deliveries WHERE campaign_id = ${c!.id} LIMIT 1`;
    await db.sql`UPDATE reminder_deliveries SET status = 'stopped' WHERE campaign_id = ${c!.id} AND driver_no = ${d!.driver_no}`;
    await expect(
      db.sql`INSERT INTO reminder_deliveries (campaign_id, driver_no, token_serial, expires_on, status, created_at)
        VALUES (${c!.id}, ${d!.driver_no}, ${d!.token_serial}, '2027-01-01', 'active', now())`,
    ).rejects.toThrow(/reminder_deliveries_once/);
    // A plan naming a driver twice still makes one delivery.
    const d8 = testDriver(8, { labelColour: 'none', expiresOn: '2027-01-20' });
    await insertDrivers(db.sql, [d8]);
    const twice = { driverNo: d8.driverNo, tokenSerial: d8.serial, expiresOn: d8.expiresOn, stages: [] };
    const created = await repo.createCampaign({ name: 'dupes', labelColour: 'none', expiresBefore: null, stages: [7] }, [twice, twice], clock.now());
    expect(created).toMatchObject({ created: 1, covered: 1 });
    await repo.setStatus(created.campaign.id, 'paused', clock.now());
  });

  it('pauses, resumes and reports', async () => {
    const c = (await repo.campaigns()).find((x) => x.stages.join() === '10,3');
    expect((await service.setStatus(c!.id, 'paused'))!.status).toBe('paused');
    expect((await service.setStatus(c!.id, 'active'))!.status).toBe('active');
    expect(await service.setStatus(999_999, 'paused')).toBeNull();
    const report = await service.report(c!.id);
    expect(report).toMatchObject({ deliveries: 2, sent: 0, delivered: 0, failed: 0, replaced: 0 });
  });

  describe('token replacement', () => {
    it('replaces the token, stops its reminders, and audits it', async () => {
      const d = testDriver(2);
      const r = await service.replaceToken(d.driverNo, { serial: 'G00000002', expiresOn: '2031-12-31', labelColour: 'green' }, 'admin-test');
      expect(r).toEqual({ ok: true, oldSerial: d.serial, serial: 'G00000002', expiresOn: '2031-12-31', labelColour: 'green', remindersStopped: 1 });
      expect((await ports.tokens.bySerial(d.serial))!.status).toBe('replaced');
      expect((await ports.tokens.currentForDriver(d.driverNo))!.serial).toBe('G00000002');
      const stages = await repo.stages({ driverNo: d.driverNo });
      expect(stages.every((s) => s.state === 'skipped')).toBe(true);
      expect(stages.filter((s) => s.skipReason === 'replaced').length).toBeGreaterThan(0);
      const audit = await ports.audit.list({ driverNo: d.driverNo, action: 'token.replaced' });
      expect(audit[0]).toMatchObject({ channel: 'admin', outcome: 'replaced' });
    });

    it('refuses an expiry that is not after today in Hong Kong, or not a real date, and changes nothing', async () => {
      const d = testDriver(1);
      const before = await ports.tokens.currentForDriver(d.driverNo);
      for (const [expiresOn, reason] of [
        ['1999-01-01', 'expires_on_not_future'],
        ['2026-12-19', 'expires_on_not_future'],
        ['2026-12-20', 'expires_on_not_future'], // today: a new token must be valid for at least a day
        ['2031-02-30', 'expires_on_invalid'],
        ['31/12/2031', 'expires_on_invalid'],
      ] as const) {
        expect(await service.replaceToken(d.driverNo, { serial: 'G00000008', expiresOn }, 't')).toMatchObject({ ok: false, reason });
      }
      expect(await ports.tokens.bySerial('G00000008')).toBeNull();
      expect(await ports.tokens.currentForDriver(d.driverNo)).toEqual(before);
    });

    it('refuses an unknown driver, a mistyped driver number and a serial in use', async () => {
      const mistyped = testDriver(1).driverNo.slice(0, 7) + String((Number(testDriver(1).driverNo[7]) + 1) % 10);
      expect(await service.replaceToken(mistyped, { serial: 'G00000009', expiresOn: '2031-12-31' }, 't')).toMatchObject({
        ok: false,
        reason: 'driver_no_check_digit',
      });
      expect(await service.replaceToken(testDriver(99).driverNo, { serial: 'G00000009', expiresOn: '2031-12-31' }, 't')).toMatchObject({
        ok: false,
        reason: 'driver_unknown',
      });
      expect(await service.replaceToken(testDriver(1).driverNo, { serial: testDriver(6).serial, expiresOn: '2031-12-31' }, 't')).toMatchObject({
        ok: false,
        reason: 'serial_taken',
      });
    });
  });
});
