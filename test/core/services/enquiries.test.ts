import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/connect.js';
import type { Services } from '../../../src/core/services.js';
import { createDataPorts } from '../../../src/db/repositories/index.js';
import { dbTargets } from '../../helpers/db.js';
import { fakeClock } from '../../helpers/clock.js';
import { makeConsignment, MINUTE, openSeeded, servicesOver, voice, web } from './support.js';

const SEEDED = new Date('2026-11-26T02:00:00Z');
const clock = fakeClock(SEEDED);
const HOUR = 60 * MINUTE;

describe.each(dbTargets())('enquiry services on $name', (target) => {
  let db: Database;
  let services: Services;
  beforeAll(async () => {
    ({ db, services } = await openSeeded(target, SEEDED, clock, 30));
  });
  afterAll(() => db?.close());

  describe('consignment status', () => {
    it('tells a typo by its check digit before any lookup', async () => {
      let lookups = 0;
      const counting = servicesOver(db.sql, clock, 30, (p) => ({
        ...p,
        consignments: { byCcrn: (c) => ((lookups += 1), p.consignments.byCcrn(c)) },
      }));
      expect(await counting.consignments.status({ ccrn: '261100000014' }, voice())).toEqual({ ok: false, reason: 'ccrn_check_digit' });
      expect(lookups).toBe(0);
      expect(await services.consignments.status({ ccrn: '261100000014' }, voice())).toEqual({ ok: false, reason: 'ccrn_check_digit' });
      expect(await services.consignments.status({ ccrn: '26110000001' }, voice())).toEqual({ ok: false, reason: 'ccrn_format' });
      expect(await services.consignments.status({ ccrn: 'abc' }, voice())).toEqual({ ok: false, reason: 'ccrn_format' });
      expect(await services.consignments.status({} as { ccrn: string }, voice())).toEqual({ ok: false, reason: 'ccrn_format' });
      expect(await services.consignments.status({ ccrn: '261299999990' }, voice())).toEqual({ ok: false, reason: 'ccrn_unknown' });
    });

    it('reads each status of the demo data', async () => {
      const status = async (ccrn: string) => {
        const r = await services.consignments.status({ ccrn }, web);
        if (!r.ok) throw new Error(r.reason);
        return r.consignment;
      };
      expect(await status('2611 0000 0013')).toMatchObject({ status: 'submitted', direction: 'inbound', packages: 12, vehicleMark: null });
      expect(await status('261100000045')).toMatchObject({
        status: 'bundled',
        vehicleMark: 'AB1234',
        bundleRef: '261100013',
        bundledAt: new Date(SEEDED.getTime() - 20 * MINUTE),
      });
      expect(await status('261100000059')).toMatchObject({
        status: 'crossed',
        controlPoint: 'shenzhen_bay',
        crossedAt: new Date(SEEDED.getTime() - 590 * MINUTE),
        vehicleMark: 'EF901',
      });
      expect(await status('261100000068')).toMatchObject({ status: 'cancelled' });
      expect(await status('261100000076')).toMatchObject({ status: 'expired' });
    });

    it('says expired only once the declared crossing is more than 24 hours past', async () => {
      const at = new Date(clock.now().getTime() - 24 * HOUR);
      const ccrn = await makeConsignment(db.sql, { expectedCrossingAt: at });
      expect(await services.consignments.status({ ccrn }, web)).toMatchObject({ consignment: { status: 'submitted' } });
      clock.advance(1000);
      expect(await services.consignments.status({ ccrn }, web)).toMatchObject({ consignment: { status: 'expired' } });
      clock.set(SEEDED);
    });

    it('audits each enquiry with the masked caller and the outcome', async () => {
      clock.set(new Date(SEEDED.getTime() + HOUR));
      await services.consignments.status({ ccrn: '261100000021' }, voice('+85261234567'));
      await services.consignments.status({ ccrn: '261100000022' }, voice('+85261234567'));
      const [bad, good] = await createDataPorts(db.sql).audit.list({ action: 'consignment.status', limit: 2 });
      expect(good).toMatchObject({ channel: 'voice', callerMasked: '+852****4567', driverNo: null, outcome: 'ok', detail: { ccrn: '261100000021', status: 'submitted' } });
      expect(bad).toMatchObject({ outcome: 'ccrn_check_digit' });
      expect(bad).not.toHaveProperty('detail');
      expect(JSON.stringify(await createDataPorts(db.sql).audit.list({}))).not.toContain('61234567');
      clock.set(SEEDED);
    });
  });

  describe('registration status', () => {
    it('reads every registration status and checks the reference first', async () => {
      const statuses: Record<string, string> = {
        '2026110061': 'received',
        '2026110020': 'processing',
        '2026110012': 'awaiting_visit',
        '2026110057': 'more_info_required',
        '2026110036': 'completed',
        '2026110048': 'rejected',
      };
      for (const [refNo, status] of Object.entries(statuses)) {
        expect(await services.registrations.status({ refNo }, web)).toMatchObject({ ok: true, registration: { refNo, status } });
      }
      expect(await services.registrations.status({ refNo: '2026110013' }, web)).toEqual({ ok: false, reason: 'reg_ref_check_digit' });
      expect(await services.registrations.status({ refNo: '202611001' }, web)).toEqual({ ok: false, reason: 'reg_ref_format' });
      expect(await services.registrations.status({ refNo: '2026990019' }, web)).toEqual({ ok: false, reason: 'reg_ref_unknown' });
      const [entry] = await createDataPorts(db.sql).audit.list({ action: 'registration.status', limit: 1 });
      expect(entry).toMatchObject({ channel: 'web', outcome: 'reg_ref_unknown' });
    });

    it('gives the note and no letter where none was sent', async () => {
      expect(await services.registrations.status({ refNo: '2026110057' }, web)).toMatchObject({
        registration: { letterStillValid: false, note: 'Copy of the Business Registration Certificate is missing.', applicantType: 'shipper_person' },
      });
    });
  });

  describe('drivers', () => {
    it('identifies a driver by number, checking the number first', async () => {
      expect(await services.drivers.identify({ driverNo: '41000019' })).toMatchObject({ ok: true, driver: { nameEn: 'CHAN Tai Man', vehicles: ['AB1234'] } });
      expect(await services.drivers.identify({ driverNo: '41000018' })).toEqual({ ok: false, reason: 'driver_no_check_digit' });
      expect(await services.drivers.identify({ driverNo: '4100001' })).toEqual({ ok: false, reason: 'driver_no_format' });
      expect(await services.drivers.identify({ driverNo: '41000062' })).toEqual({ ok: false, reason: 'driver_unknown' });
    });

    it('finds the driver calling from a registered mobile', async () => {
      expect((await services.drivers.byMobile('+85262345678'))?.driverNo).toBe('41000024');
      expect((await services.drivers.byMobile('+8613800138000'))?.locale).toBe('zh-CN');
      expect(await services.drivers.byMobile('+85299999999')).toBeNull();
      expect(await services.drivers.byMobile('anonymous')).toBeNull();
    });
  });

  describe('hand-offs and retention', () => {
    it('records a hand-off with the time and finds it by conversation and caller', async () => {
      const h = await services.handoffs.record({
        conversationId: 'CA0001',
        channel: 'voice',
        caller: '+85291234567',
        driverNo: '41000019',
        locale: 'zh-HK',
        where: 'bundling.code',
        reason: 'token_locked',
      });
      expect(h).toMatchObject({ id: expect.any(Number), createdAt: clock.now(), reason: 'token_locked' });
      expect(await services.handoffs.byConversation('CA0001')).toEqual([h]);
      expect(await services.handoffs.byCaller('+85291234567')).toEqual([h]);
      await expect(services.handoffs.record({ ...h, locale: 'fr' as 'en' })).rejects.toThrow();
    });

    it('purges audit, hand-off and outbox records older than the retention period, inbound message ids older than a day', async () => {
      const ports = createDataPorts(db.sql);
      const old = new Date(clock.now().getTime() - 31 * 24 * HOUR);
      const recent = new Date(clock.now().getTime() - 29 * 24 * HOUR);
      for (const at of [old, recent]) {
        await ports.audit.record({ at, channel: 'system', callerMasked: null, driverNo: null, action: 'test.retention', outcome: 'ok' });
        await ports.handoffs.save({ conversationId: 'CA-retention', channel: 'sms', caller: null, driverNo: null, locale: 'en', where: 'x', reason: 'y', createdAt: at });
        await ports.outbox.add({ kind: 'sms', toMasked: '****1234', body: 'b', purpose: 'test', reason: 'demo_number', createdAt: at });
      }
      await ports.inbound.claim('sms', 'SM-old', new Date(clock.now().getTime() - 25 * HOUR));
      await ports.inbound.claim('sms', 'SM-recent', new Date(clock.now().getTime() - 23 * HOUR));
      expect(await services.purgeExpired()).toEqual({ audit: 1, handoffs: 1, outbox: 1, inbound: 1 });
      expect(await ports.inbound.claim('sms', 'SM-old', clock.now())).toEqual({ first: true });
      expect(await ports.inbound.claim('sms', 'SM-recent', clock.now())).toEqual({ first: false, reply: null });
      expect((await ports.audit.list({ action: 'test.retention' })).map((e) => e.at)).toEqual([recent]);
      expect((await ports.handoffs.byConversation('CA-retention')).map((e) => e.createdAt)).toEqual([recent]);
      expect(await services.purgeExpired()).toEqual({ audit: 0, handoffs: 0, outbox: 0, inbound: 0 });
    });
  });
});
