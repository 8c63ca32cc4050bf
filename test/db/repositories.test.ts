import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/connect.js';
import type { DataPorts } from '../../src/core/ports.js';
import { createDataPorts } from '../../src/db/repositories/index.js';
import { fail, ok, type Consignment } from '../../src/core/types.js';
import { checkBundleRef } from '../../src/core/identifiers.js';
import { dbTargets } from '../helpers/db.js';
import { LOCK_POLICY } from '../../src/core/tokens.js';
import { bundleCounts, makeConsignment, makeDriver, MINUTE } from '../core/services/support.js';

const T0 = new Date('2026-11-26T02:00:00Z');
const input = (driverNo: string, vehicleMark: string, ccrns: string[], at = T0) => ({
  driverNo,
  vehicleMark,
  ccrns,
  channel: 'voice' as const,
  at,
  earliestCrossingAt: new Date(at.getTime() + 30 * MINUTE),
});
const accept = () => ok({});
/** T0 plus `minutes`. */
const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE);
/** The policy in force, but three wrong codes to a lock (shorter tests). */
const POLICY3 = { ...LOCK_POLICY, lockAfter: 3 };

describe.each(dbTargets())('data ports on $name', (target) => {
  let db: Database;
  let ports: DataPorts;
  beforeAll(async () => {
    db = await target.open();
    ports = createDataPorts(db.sql);
  });
  afterAll(() => db?.close());

  describe('drivers', () => {
    it('finds a driver by number and by mobile, vehicles in their order', async () => {
      const d = await makeDriver(db.sql, { vehicles: ['ZX88', 'AB1'] });
      const byNo = await ports.drivers.byDriverNo(d.driverNo);
      expect(byNo).toMatchObject({ driverNo: d.driverNo, mobile: d.mobile, vehicles: ['ZX88', 'AB1'], demo: false, smsCapable: true });
      expect((await ports.drivers.byMobile(d.mobile))?.driverNo).toBe(d.driverNo);
      expect(await ports.drivers.byDriverNo('00000000')).toBeNull();
      expect(await ports.drivers.byMobile('+85200000000')).toBeNull();
    });

    it('tells demo numbers from others', async () => {
      const d = await makeDriver(db.sql);
      expect(await ports.drivers.isDemoNumber(d.mobile)).toBe(false);
      await db.sql`UPDATE drivers SET demo = true WHERE driver_no = ${d.driverNo}`;
      expect(await ports.drivers.isDemoNumber(d.mobile)).toBe(true);
      expect(await ports.drivers.isDemoNumber('+85200000001')).toBe(false);
    });
  });

  describe('tokens', () => {
    it('accepts each step once and only steps after the last used', async () => {
      const d = await makeDriver(db.sql);
      expect(await ports.tokens.consumeStep(d.serial, 1000, T0)).toBe(true);
      expect(await ports.tokens.consumeStep(d.serial, 1000, T0)).toBe(false);
      expect(await ports.tokens.consumeStep(d.serial, 999, T0)).toBe(false);
      expect(await ports.tokens.consumeStep(d.serial, 1001, T0)).toBe(true);
      expect((await ports.tokens.bySerial(d.serial))?.lastUsedStep).toBe(1001);
    });

    it('accepts a step once when many try it at the same moment', async () => {
      const d = await makeDriver(db.sql);
      const results = await Promise.all(Array.from({ length: 8 }, () => ports.tokens.consumeStep(d.serial, 5000, T0)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('locks on the lockAfter-th failure for the first lock time, refuses steps while locked, and unlocks', async () => {
      const d = await makeDriver(db.sql);
      const counts = [];
      for (let i = 0; i < 3; i++) counts.push(await ports.tokens.recordFailure(d.serial, POLICY3, T0));
      const until = new Date(T0.getTime() + 15 * MINUTE);
      expect(counts).toEqual([
        { failedAttempts: 1, locked: false, justLocked: false, lockedUntil: null },
        { failedAttempts: 2, locked: false, justLocked: false, lockedUntil: null },
        { failedAttempts: 3, locked: true, justLocked: true, lockedUntil: until },
      ]);
      // Another wrong code during the lock changes nothing and does not start another lock.
      expect(await ports.tokens.recordFailure(d.serial, POLICY3, at(1))).toEqual({ failedAttempts: 3, locked: true, justLocked: false, lockedUntil: until });
      expect(await ports.tokens.consumeStep(d.serial, 7000, at(1))).toBe(false);
      expect(await ports.tokens.unlock(d.serial, at(1))).toBe(true);
      expect(await ports.tokens.unlock(d.serial, at(1))).toBe(false);
      expect(await ports.tokens.bySerial(d.serial)).toMatchObject({ status: 'active', failedAttempts: 0, lockedUntil: null, lockCount: 0 });
    });

    it('ends a lock when its time has passed: the count starts afresh and the next lock lasts twice as long', async () => {
      const d = await makeDriver(db.sql);
      for (let i = 0; i < 3; i++) await ports.tokens.recordFailure(d.serial, POLICY3, T0);
      // At the last minute of the lock, still locked; an agent finds it locked.
      expect((await ports.tokens.recordFailure(d.serial, POLICY3, at(14))).locked).toBe(true);
      // Once it has ended: a wrong code counts as the first of a new run.
      expect(await ports.tokens.recordFailure(d.serial, POLICY3, at(15))).toEqual({ failedAttempts: 1, locked: false, justLocked: false, lockedUntil: null });
      expect(await ports.tokens.unlock(d.serial, at(15))).toBe(false);
      await ports.tokens.recordFailure(d.serial, POLICY3, at(16));
      const second = await ports.tokens.recordFailure(d.serial, POLICY3, at(16));
      expect(second).toEqual({ failedAttempts: 3, locked: true, justLocked: true, lockedUntil: at(16 + 30) });
      // Third lock: 60 minutes; and so on, never more than the longest lock.
      for (let i = 0; i < 3; i++) await ports.tokens.recordFailure(d.serial, POLICY3, at(46));
      expect((await ports.tokens.bySerial(d.serial))?.lockedUntil).toEqual(at(46 + 60));
      let t = 106;
      for (let lock = 4; lock <= 9; lock++) {
        for (let i = 0; i < 3; i++) await ports.tokens.recordFailure(d.serial, POLICY3, at(t));
        const expected = Math.min(15 * 2 ** (lock - 1), 24 * 60);
        expect((await ports.tokens.bySerial(d.serial))?.lockedUntil).toEqual(at(t + expected));
        t += expected;
      }
      expect((await ports.tokens.bySerial(d.serial))?.lockCount).toBe(9);
    });

    it('a right code after a lock has ended is accepted and starts the doubling again', async () => {
      const d = await makeDriver(db.sql);
      for (let i = 0; i < 3; i++) await ports.tokens.recordFailure(d.serial, POLICY3, T0);
      expect(await ports.tokens.consumeStep(d.serial, 8000, at(14))).toBe(false);
      expect(await ports.tokens.consumeStep(d.serial, 8000, at(15))).toBe(true);
      expect(await ports.tokens.bySerial(d.serial)).toMatchObject({ status: 'active', failedAttempts: 0, lockCount: 0, lockedUntil: null });
      for (let i = 0; i < 3; i++) await ports.tokens.recordFailure(d.serial, POLICY3, at(20));
      expect((await ports.tokens.bySerial(d.serial))?.lockedUntil).toEqual(at(20 + 15));
    });

    it('counts concurrent failures exactly', async () => {
      const d = await makeDriver(db.sql);
      const results = await Promise.all(Array.from({ length: 7 }, () => ports.tokens.recordFailure(d.serial, LOCK_POLICY, T0)));
      expect(results.filter((r) => r.justLocked)).toHaveLength(1);
      expect(results.map((r) => r.failedAttempts).sort()).toEqual([1, 2, 3, 4, 5, 5, 5]);
      expect(await ports.tokens.bySerial(d.serial)).toMatchObject({ failedAttempts: 5, lockCount: 1 });
    });

    it('clears the failure count when a step is accepted', async () => {
      const d = await makeDriver(db.sql);
      await ports.tokens.recordFailure(d.serial, LOCK_POLICY, T0);
      await ports.tokens.recordFailure(d.serial, LOCK_POLICY, T0);
      expect(await ports.tokens.consumeStep(d.serial, 42, T0)).toBe(true);
      expect((await ports.tokens.bySerial(d.serial))?.failedAttempts).toBe(0);
    });

    it('replaces the token in service and selects tokens for a campaign', async () => {
      const d = await makeDriver(db.sql, { expiresOn: '2026-12-01' });
      await db.sql`UPDATE tokens SET label_colour = 'violet' WHERE serial = ${d.serial}`;
      expect((await ports.tokens.select({ labelColour: 'violet' })).map((t) => t.serial)).toEqual([d.serial]);
      expect((await ports.tokens.select({ labelColour: 'violet', expiresBefore: '2026-12-01' })).map((t) => t.serial)).toEqual([]);
      expect((await ports.tokens.select({ labelColour: 'violet', expiresBefore: '2026-12-02' })).map((t) => t.serial)).toEqual([d.serial]);

      const next = { serial: `N${d.driverNo}`, secretBase32: 'JBSWY3DPEHPK3PXP', labelColour: 'violet', expiresOn: '2031-06-30' };
      expect(await ports.tokens.replace(d.driverNo, next, T0)).toEqual({ oldSerial: d.serial });
      expect(await ports.tokens.currentForDriver(d.driverNo)).toMatchObject({
        serial: next.serial,
        expiresOn: '2031-06-30',
        status: 'active',
        failedAttempts: 0,
        lastUsedStep: null,
        lockedUntil: null,
        lockCount: 0,
      });
      expect((await ports.tokens.bySerial(d.serial))?.status).toBe('replaced');
      expect(await ports.tokens.consumeStep(d.serial, 1, T0)).toBe(false);
      expect((await ports.tokens.select({ labelColour: 'violet' })).map((t) => t.serial)).toEqual([next.serial]);

      const none = await makeDriver(db.sql, { noToken: true });
      expect(await ports.tokens.currentForDriver(none.driverNo)).toBeNull();
      expect(await ports.tokens.replace(none.driverNo, { ...next, serial: `N${none.driverNo}` }, T0)).toEqual({ oldSerial: null });
    });
  });

  describe('bundles and consignments', () => {
    it('creates a bundle: consignments bundled with the vehicle, CCRNs in the order given', async () => {
      const d = await makeDriver(db.sql);
      const a = await makeConsignment(db.sql, { expectedCrossingAt: new Date(T0.getTime() + 120 * MINUTE) });
      const b = await makeConsignment(db.sql, { expectedCrossingAt: new Date(T0.getTime() + 120 * MINUTE) });
      let seen: string[] = [];
      const r = await ports.bundles.create(input(d.driverNo, d.vehicles[0]!, [b, a]), (locked) => {
        seen = locked.map((c) => c.ccrn);
        return ok({});
      });
      expect(seen).toEqual([b, a]);
      if (!r.ok) throw new Error(r.reason);
      expect(checkBundleRef(r.bundle.bundleRef).ok).toBe(true);
      expect(r.bundle).toMatchObject({ driverNo: d.driverNo, vehicleMark: d.vehicles[0], direction: 'inbound', ccrns: [b, a], status: 'active' });
      expect(await ports.bundles.byRef(r.bundle.bundleRef)).toEqual(r.bundle);
      const c = await ports.consignments.byCcrn(a);
      expect(c).toMatchObject({ status: 'bundled', bundleRef: r.bundle.bundleRef, vehicleMark: d.vehicles[0], bundledAt: T0 });
    });

    it('passes only existing consignments to the check and writes nothing on a refusal', async () => {
      const d = await makeDriver(db.sql);
      const a = await makeConsignment(db.sql, { expectedCrossingAt: new Date(T0.getTime() + 120 * MINUTE) });
      const before = await bundleCounts(db.sql);
      let seen: Consignment[] = [];
      const r = await ports.bundles.create(input(d.driverNo, d.vehicles[0]!, ['261200000000', a]), (locked) => {
        seen = locked;
        return fail('ccrn_unknown', { ccrn: '261200000000' });
      });
      expect(r).toEqual({ ok: false, reason: 'ccrn_unknown', detail: { ccrn: '261200000000' } });
      expect(seen.map((c) => c.ccrn)).toEqual([a]);
      expect(await bundleCounts(db.sql)).toEqual(before);
      expect((await ports.consignments.byCcrn(a))?.status).toBe('submitted');
    });

    it('rolls back when the check throws', async () => {
      const d = await makeDriver(db.sql);
      const a = await makeConsignment(db.sql, { expectedCrossingAt: new Date(T0.getTime() + 120 * MINUTE) });
      const before = await bundleCounts(db.sql);
      await expect(
        ports.bundles.create(input(d.driverNo, d.vehicles[0]!, [a]), () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await bundleCounts(db.sql)).toEqual(before);
    });

    it('rolls back when a write fails half-way (a driver that does not exist)', async () => {
      const a = await makeConsignment(db.sql, { expectedCrossingAt: new Date(T0.getTime() + 120 * MINUTE) });
      const before = await bundleCounts(db.sql);
      await expect(ports.bundles.create(input('99999992', 'AB1', [a]), accept)).rejects.toThrow();
      expect(await bundleCounts(db.sql)).toEqual(before);
      expect((await ports.consignments.byCcrn(a))?.status).toBe('submitted');
    });

    it('lists active bundles newest first and cancels one of the driver\'s own', async () => {
      const d = await makeDriver(db.sql);
      const other = await makeDriver(db.sql);
      const a = await makeConsignment(db.sql, { expectedCrossingAt: new Date(T0.getTime() + 120 * MINUTE) });
      const b = await makeConsignment(db.sql, { expectedCrossingAt: new Date(T0.getTime() + 120 * MINUTE) });
      const first = await ports.bundles.create(input(d.driverNo, d.vehicles[0]!, [a]), accept);
      const second = await ports.bundles.create(input(d.driverNo, d.vehicles[0]!, [b], new Date(T0.getTime() + MINUTE)), accept);
      if (!first.ok || !second.ok) throw new Error('not created');
      expect((await ports.bundles.activeForDriver(d.driverNo)).map((x) => x.bundleRef)).toEqual([
        second.bundle.bundleRef,
        first.bundle.bundleRef,
      ]);

      expect(await ports.bundles.cancel('000000000', d.driverNo, T0)).toEqual({ ok: false, reason: 'bundle_unknown' });
      expect(await ports.bundles.cancel(first.bundle.bundleRef, other.driverNo, T0)).toEqual({ ok: false, reason: 'bundle_not_yours' });
      const cancelled = await ports.bundles.cancel(first.bundle.bundleRef, d.driverNo, T0);
      expect(cancelled).toMatchObject({ ok: true, bundle: { status: 'cancelled', ccrns: [a] } });
      expect(await ports.bundles.cancel(first.bundle.bundleRef, d.driverNo, T0)).toEqual({ ok: false, reason: 'bundle_not_active' });
      expect(await ports.consignments.byCcrn(a)).toMatchObject({ status: 'submitted', bundleRef: null, vehicleMark: null, bundledAt: null });
      expect((await ports.bundles.activeForDriver(d.driverNo)).map((x) => x.bundleRef)).toEqual([second.bundle.bundleRef]);

      // A cancelled bundle keeps its list; the consignment can be bundled again.
      const again = await ports.bundles.create(input(d.driverNo, d.vehicles[0]!, [a]), accept);
      expect(again.ok).toBe(true);
      expect((await ports.bundles.byRef(first.bundle.bundleRef))?.ccrns).toEqual([a]);
    });

    it('answers null for unknown references', async () => {
      expect(await ports.consignments.byCcrn('261200000000')).toBeNull();
      expect(await ports.bundles.byRef('261100013')).toBeNull();
      expect(await ports.registrations.byRef('2026110012')).toBeNull();
    });
  });

  describe('registrations', () => {
    it('reads a registration with its letter date', async () => {
      await db.sql`INSERT INTO registrations (ref_no, applicant_type, applicant_name, status, note, letter_valid_until)
        VALUES ('2026990010', 'truck_driver', 'TEST', 'awaiting_visit', 'n', '2026-01-31')`;
      expect(await ports.registrations.byRef('2026990010')).toEqual({
        refNo: '2026990010',
        applicantType: 'truck_driver',
        applicantName: 'TEST',
        status: 'awaiting_visit',
        note: 'n',
        letterValidUntil: '2026-01-31',
      });
    });
  });

  describe('audit, hand-offs, outbox, opt-outs', () => {
    it('records, lists newest first by driver or action, and purges old audit entries', async () => {
      const base = { channel: 'voice' as const, callerMasked: '+852****0000', driverNo: '77777777' };
      await ports.audit.record({ ...base, at: new Date('2026-01-01T00:00:00Z'), action: 'x.old', outcome: 'ok' });
      await ports.audit.record({ ...base, at: T0, action: 'x.new', outcome: 'token_code_wrong', detail: { triesLeft: 3 } });
      const list = await ports.audit.list({ driverNo: '77777777' });
      expect(list.map((e) => e.action)).toEqual(['x.new', 'x.old']);
      expect(list[0]).toMatchObject({ ...base, at: T0, outcome: 'token_code_wrong', detail: { triesLeft: 3 } });
      expect(list[1]).not.toHaveProperty('detail');
      expect((await ports.audit.list({ action: 'x.old' })).length).toBe(1);
      expect((await ports.audit.list({ driverNo: '77777777', limit: 1 })).length).toBe(1);
      expect(await ports.audit.purgeBefore(new Date('2026-06-01T00:00:00Z'))).toBe(1);
      expect((await ports.audit.list({ driverNo: '77777777' })).map((e) => e.action)).toEqual(['x.new']);
    });

    it('saves hand-offs and finds them by conversation and caller', async () => {
      const h = {
        conversationId: 'CA' + 'a'.repeat(32),
        channel: 'voice' as const,
        caller: '+85291112222',
        driverNo: null,
        locale: 'zh-HK' as const,
        where: 'bundling.code',
        reason: 'token_locked',
      };
      const first = await ports.handoffs.save({ ...h, createdAt: new Date('2026-01-01T00:00:00Z') });
      const second = await ports.handoffs.save({ ...h, where: 'menu', createdAt: T0 });
      expect(first.id).toBeGreaterThan(0);
      expect((await ports.handoffs.byConversation(h.conversationId)).map((x) => x.where)).toEqual(['bundling.code', 'menu']);
      expect((await ports.handoffs.byCaller('+85291112222')).map((x) => x.id)).toEqual([second.id, first.id]);
      expect(await ports.handoffs.purgeBefore(new Date('2026-06-01T00:00:00Z'))).toBe(1);
      expect(await ports.handoffs.byConversation(h.conversationId)).toEqual([second]);
    });

    it('keeps outbox entries with a provider-like sid', async () => {
      const a = await ports.outbox.add({ kind: 'sms', toMasked: '+852****4567', body: 'hello', purpose: 'test', reason: 'demo_number', createdAt: new Date('2026-01-01T00:00:00Z') });
      const b = await ports.outbox.add({ kind: 'call', toMasked: '+852****4567', body: 'hi', purpose: 'test', reason: 'no_credentials', createdAt: T0 });
      expect(a.sid).toMatch(/^OB[0-9a-f]{32}$/);
      expect(b.sid).not.toBe(a.sid);
      const list = await ports.outbox.list();
      expect(list.map((e) => e.sid)).toEqual([b.sid, a.sid]);
      expect(list[0]).toMatchObject({ kind: 'call', toMasked: '+852****4567', body: 'hi', reason: 'no_credentials', createdAt: T0 });
      expect(await ports.outbox.list(1)).toHaveLength(1);
      expect(await ports.outbox.purgeBefore(new Date('2026-06-01T00:00:00Z'))).toBe(1);
    });

    it('records STOP and START and answers the previous value', async () => {
      const n = '+85298887777';
      expect(await ports.optOuts.isOptedOut(n)).toBe(false);
      expect(await ports.optOuts.set(n, true, T0)).toBe(false);
      expect(await ports.optOuts.isOptedOut(n)).toBe(true);
      expect(await ports.optOuts.set(n, true, T0)).toBe(true);
      expect(await ports.optOuts.set(n, false, T0)).toBe(true);
      expect(await ports.optOuts.isOptedOut(n)).toBe(false);
    });
  });

  describe('inbound messages', () => {
    it('claims a message once per channel, keeps its answer for repeats, and forgets it when purged', async () => {
      expect(await ports.inbound.claim('sms', 'SM-a', T0)).toEqual({ first: true });
      expect(await ports.inbound.claim('sms', 'SM-a', T0)).toEqual({ first: false, reply: null });
      // The same id on another channel is another message.
      expect(await ports.inbound.claim('line', 'SM-a', T0)).toEqual({ first: true });
      await ports.inbound.answered('sms', 'SM-a', '<Response><Message>ok</Message></Response>');
      expect(await ports.inbound.claim('sms', 'SM-a', T0)).toEqual({ first: false, reply: '<Response><Message>ok</Message></Response>' });
      expect(await ports.inbound.purgeBefore(new Date(T0.getTime() + 1))).toBe(2);
      expect(await ports.inbound.claim('sms', 'SM-a', T0)).toEqual({ first: true });
    });

    it('gives a message claimed by many at once to exactly one', async () => {
      const claims = await Promise.all(Array.from({ length: 8 }, () => ports.inbound.claim('sms', 'SM-race', T0)));
      expect(claims.filter((c) => c.first)).toHaveLength(1);
    });
  });
});
