/**
 * Every rule of the ROCARS FAQ (and DESIGN.md's reading of it) that concerns bundling, tokens,
 * registration status and the directory, each as one test over the services and a real database
 * holding the demo seed. Each `it` names its FAQ entry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/connect.js';
import type { Asker, Services } from '../../src/core/services.js';
import type { Authorisation } from '../../src/core/types.js';
import { createDataPorts } from '../../src/db/repositories/index.js';
import { DEMO_SEED } from '../../src/db/seed.js';
import { createDirectory } from '../../src/core/directory.js';
import { createGuidance } from '../../src/core/guidance.js';
import { codeAt } from '../../src/core/totp.js';
import { dbTargets } from '../helpers/db.js';
import { fakeClock } from '../helpers/clock.js';
import { makeConsignment, makeDriver, MINUTE, openSeeded, servicesOver, voice, web } from './services/support.js';

// Thursday 26 November 2026, 10:00 in Hong Kong.
const SEEDED = new Date('2026-11-26T02:00:00Z');
const clock = fakeClock(SEEDED);
const driver = (key: string) => DEMO_SEED.drivers.find((d) => d.key === key)!;
const ccrn = (key: string) => DEMO_SEED.consignments.find((c) => c.key === key)!.ccrn;
const agentDesk = { channel: 'agent' as const, caller: null };

describe.each(dbTargets())('FAQ rules on $name', (target) => {
  let db: Database;
  let services: Services;
  beforeAll(async () => {
    ({ db, services } = await openSeeded(target, SEEDED, clock));
  });
  afterAll(() => db?.close());

  /** Verifies the demo driver's current code; the clock first moves on a step, as a code is used up once. */
  const authorise = async (key: string, asker: Asker = voice()): Promise<Authorisation> => {
    clock.advance(30_000);
    const d = driver(key);
    const r = await services.tokens.verify({ driverNo: d.driverNo, code: codeAt(d.token!.secretBase32, clock.now()) }, asker);
    if (!r.ok) throw new Error(`verify ${key}: ${r.reason}`);
    return r.authorisation;
  };

  describe('bundling', () => {
    it('Shipper 1: a consignment declared for crossing within 30 minutes can still be bundled; the driver is warned of the later permitted crossing', async () => {
      const auth = await authorise('chan');
      const r = await services.bundling.bundle({ authorisation: auth, vehicleMark: 'AB1234', ccrns: [ccrn('soon'), ccrn('in1')] }, voice());
      expect(r).toMatchObject({ ok: true, lateCcrns: [ccrn('soon')] });
      if (r.ok) expect(r.bundle.earliestCrossingAt).toEqual(new Date(clock.now().getTime() + 30 * MINUTE));
    });

    it('Shipper 2: once bundled a consignment is no longer "not yet bundled"; the driver unbundles first, which frees it again', async () => {
      const auth = await authorise('lee');
      const made = await services.bundling.bundle({ authorisation: auth, vehicleMark: 'CD5678', ccrns: [ccrn('out1')] }, voice());
      if (!made.ok) throw new Error(made.reason);
      expect(await services.consignments.status({ ccrn: ccrn('out1') }, web)).toMatchObject({ consignment: { status: 'bundled', vehicleMark: 'CD5678' } });
      expect(await services.bundling.unbundle({ authorisation: auth, bundleRef: made.bundle.bundleRef }, voice())).toMatchObject({ ok: true });
      expect(await services.consignments.status({ ccrn: ccrn('out1') }, web)).toMatchObject({ consignment: { status: 'submitted', vehicleMark: null } });
    });

    it('Shipper 7: a registered ROCARS agent may bundle for a driver whose new PRC Exit-Entry Permit number has not yet been passed to C&ED', async () => {
      const wang = driver('wang');
      expect(wang.idDocument.type).toBe('prc_exit_entry_permit');
      // The renewed permit's number is not on record yet.
      await db.sql`UPDATE drivers SET id_document_number = '' WHERE driver_no = ${wang.driverNo}`;
      // Wang's demo token is locked: the agent checks identity and unlocks it first.
      expect(await services.tokens.unlock({ driverNo: wang.driverNo }, { agentId: 'agent-1' })).toMatchObject({ ok: true });
      const auth = await authorise('wang', agentDesk);
      const in3 = await makeConsignment(db.sql, { direction: 'inbound', expectedCrossingAt: new Date(SEEDED.getTime() + 120 * MINUTE) });
      const r = await services.bundling.bundle({ authorisation: auth, vehicleMark: 'FU123', ccrns: [in3] }, agentDesk);
      expect(r).toMatchObject({ ok: true, bundle: { driverNo: wang.driverNo, vehicleMark: 'FU123', channel: 'agent' } });
    });

    it('Truck Drivers 5: a repatriated truck needs a new inbound CCRN and a new bundle; the crossed consignment cannot be bundled again', async () => {
      const auth = await authorise('lee');
      expect(await services.bundling.bundle({ authorisation: auth, vehicleMark: 'EF901', ccrns: [ccrn('crossed')] }, voice())).toMatchObject({
        ok: false,
        reason: 'ccrn_crossed',
        detail: { ccrn: ccrn('crossed') },
      });
      const redeclared = await makeConsignment(db.sql, { direction: 'inbound', expectedCrossingAt: new Date(SEEDED.getTime() + 90 * MINUTE) });
      expect(await services.bundling.bundle({ authorisation: auth, vehicleMark: 'EF901', ccrns: [redeclared] }, voice())).toMatchObject({
        ok: true,
        bundle: { direction: 'inbound', vehicleMark: 'EF901' },
      });
    });

    it('DESIGN (lapse): a consignment whose declared crossing passed more than 24 hours ago reads "expired" and cannot be bundled', async () => {
      expect(await services.consignments.status({ ccrn: ccrn('expired') }, web)).toMatchObject({ consignment: { status: 'expired' } });
      const auth = await authorise('chan');
      expect(await services.bundling.bundle({ authorisation: auth, vehicleMark: 'AB1234', ccrns: [ccrn('expired')] }, voice())).toMatchObject({
        ok: false,
        reason: 'ccrn_expired',
      });
    });

    it('DESIGN (bundling needs): a vehicle registered to the driver, CCRNs not cancelled or bundled elsewhere, one direction', async () => {
      const auth = await authorise('chan');
      const bundle = (vehicleMark: string, ccrns: string[]) => services.bundling.bundle({ authorisation: auth, vehicleMark, ccrns }, voice());
      expect(await bundle('CD5678', [ccrn('in2')])).toMatchObject({ reason: 'vehicle_not_registered' });
      expect(await bundle('AB1234', [ccrn('cancelled')])).toMatchObject({ reason: 'ccrn_cancelled' });
      expect(await bundle('AB1234', [ccrn('bundled')])).toMatchObject({ reason: 'ccrn_bundled' });
      expect(await bundle('AB1234', [ccrn('in2'), ccrn('out2')])).toMatchObject({ reason: 'direction_mixed', detail: { ccrn: ccrn('out2') } });
    });
  });

  describe('tokens', () => {
    it('Truck Drivers 3: the token is needed only for bundling; status enquiries need none', async () => {
      expect((await services.consignments.status({ ccrn: ccrn('in2') }, voice())).ok).toBe(true);
      expect((await services.registrations.status({ refNo: '2026110036' }, voice())).ok).toBe(true);
      const noAuth = { driverNo: driver('chan').driverNo, serial: driver('chan').token!.serial, until: 0 };
      expect(await services.bundling.bundle({ authorisation: noAuth, vehicleMark: 'AB1234', ccrns: [ccrn('in2')] }, voice())).toEqual({ ok: false, reason: 'not_authorised' });
    });

    it('DESIGN (lock): five wrong codes in a row, across calls and channels, lock the token for 15 minutes; an agent unlocks at once', async () => {
      const d = await makeDriver(db.sql);
      const wrong = codeAt(d.secret, clock.now(), -10);
      const channels = [voice(), { channel: 'sms' as const, caller: d.mobile }, voice(), { channel: 'web' as const, caller: null }, voice()];
      const outcomes = [];
      for (const asker of channels) outcomes.push(await servicesOver(db.sql, clock).tokens.verify({ driverNo: d.driverNo, code: wrong }, asker));
      expect(outcomes.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([...Array(4).fill('token_code_wrong'), 'token_locked']);
      clock.advance(14 * 60_000);
      expect(await services.tokens.verify({ driverNo: d.driverNo, code: codeAt(d.secret, clock.now()) }, voice())).toMatchObject({ reason: 'token_locked' });
      expect(await services.tokens.unlock({ driverNo: d.driverNo }, { agentId: 'agent-2' })).toMatchObject({ ok: true });
      expect((await services.tokens.verify({ driverNo: d.driverNo, code: codeAt(d.secret, clock.now()) }, voice())).ok).toBe(true);
    });

    it('DESIGN (lock): a stranger who knows a driver number cannot shut the driver out for long: the lock ends by itself', async () => {
      const d = await makeDriver(db.sql);
      const wrong = codeAt(d.secret, clock.now(), -10);
      for (let i = 0; i < 5; i++) await services.tokens.verify({ driverNo: d.driverNo, code: wrong }, voice());
      clock.advance(15 * 60_000);
      expect((await services.tokens.verify({ driverNo: d.driverNo, code: codeAt(d.secret, clock.now()) }, voice())).ok).toBe(true);
    });

    it('Token Replacement 6: a token needs replacing when expired or expiring within 60 days; the purple label is the current batch', async () => {
      const view = async (key: string) => {
        const r = await services.tokens.status({ driverNo: driver(key).driverNo });
        if (!r.ok) throw new Error(r.reason);
        return r.token;
      };
      expect(await view('lee')).toMatchObject({ labelColour: 'purple', needsReplacing: true, expired: false, daysLeft: 20 });
      expect(await view('ho')).toMatchObject({ labelColour: 'purple', needsReplacing: true, expired: true, expiresOn: '2024-05-31' });
      expect(await view('chan')).toMatchObject({ labelColour: 'green', needsReplacing: false, expired: false });
      const ports = createDataPorts(db.sql);
      expect((await ports.tokens.select({ labelColour: 'purple' })).map((t) => t.serial).sort()).toEqual(['T00010002', 'T00010004']);
    });

    it('Token Replacement 1 / DESIGN: an expired token cannot bundle; one that merely needs replacing still can', async () => {
      const ho = driver('ho');
      expect(await services.tokens.verify({ driverNo: ho.driverNo, code: codeAt(ho.token!.secretBase32, clock.now()) }, voice())).toMatchObject({
        ok: false,
        reason: 'token_expired',
      });
      const lee = await authorise('lee');
      expect(await services.bundling.bundle({ authorisation: lee, vehicleMark: 'CD5678', ccrns: [ccrn('out2')] }, voice())).toMatchObject({ ok: true });
    });

    it('Token Replacement 1-3: what to bring, and what an authorised representative (18 or over) brings', () => {
      const g = createGuidance(createDirectory({ clock }));
      expect(g.tokenReplacement().bring).toEqual([
        'common:guidance.bring.token',
        'common:guidance.bring.form',
        'common:guidance.bring.address_proof',
        'common:guidance.bring.identity',
      ]);
      expect(g.tokenReplacement().representative).toEqual(expect.arrayContaining(['common:guidance.representative.age', 'common:guidance.representative.letter']));
    });
  });

  describe('registration status', () => {
    it('Truck Drivers 1: a notification letter whose date range has passed remains valid', async () => {
      const ports = createDataPorts(db.sql);
      const stored = await ports.registrations.byRef('2026110012');
      expect(stored!.letterValidUntil! < '2026-11-26').toBe(true);
      expect(await services.registrations.status({ refNo: '2026110012' }, voice())).toMatchObject({
        ok: true,
        registration: { status: 'awaiting_visit', letterStillValid: true },
      });
    });

    it('Truck Drivers 2: a driver learns the registration status by the application reference', async () => {
      expect(await services.registrations.status({ refNo: '2026110036' }, voice())).toMatchObject({ registration: { status: 'completed', applicantType: 'truck_driver' } });
      expect(await services.registrations.status({ refNo: '2026110037' }, voice())).toEqual({ ok: false, reason: 'reg_ref_check_digit' });
    });
  });

  describe('directory', () => {
    const places = (hkLocal: string, holidays?: string[]) =>
      createDirectory({ clock: { now: () => new Date(`${hkLocal}:00+08:00`) }, ...(holidays ? { holidays } : {}) }).places();
    const open = (hkLocal: string, key: string, holidays?: string[]) => places(hkLocal, holidays).find((p) => p.key === key)!.openNow;

    it('Token Replacement 1 and 7: 12 designated post offices and the Cargo Examination Complexes of the five control points', () => {
      const all = places('2026-11-26T10:00');
      expect(all.filter((p) => p.kind === 'post_office')).toHaveLength(12);
      expect(all.filter((p) => p.kind === 'control_point').map((p) => p.key)).toEqual(['lok_ma_chau', 'man_kam_to', 'shenzhen_bay', 'heung_yuen_wai', 'hzmb']);
    });

    it('Registration Centres hours: General Post Office 8:00 a.m. – 6:00 p.m. Mon to Sat, 12:00 p.m. – 5:00 p.m. Sun; Mong Kok closes at 1:00 p.m. on Saturday', () => {
      expect(open('2026-11-26T08:00', 'gpo')).toBe(true);
      expect(open('2026-11-26T18:00', 'gpo')).toBe(false);
      expect(open('2026-11-29T11:59', 'gpo')).toBe(false);
      expect(open('2026-11-29T12:00', 'gpo')).toBe(true);
      expect(open('2026-11-28T12:59', 'mong_kok')).toBe(true);
      expect(open('2026-11-28T13:00', 'mong_kok')).toBe(false);
      expect(open('2026-11-29T12:00', 'mong_kok')).toBe(false);
    });

    it('DESIGN: on a public holiday post offices count as closed; control points keep their cargo hours', () => {
      expect(open('2026-12-25T10:00', 'gpo')).toBe(false);
      expect(open('2026-12-25T10:00', 'man_kam_to')).toBe(true);
      expect(open('2026-11-26T10:00', 'gpo', ['2026-11-26'])).toBe(false);
      expect(open('2026-11-26T23:00', 'man_kam_to')).toBe(false);
      expect(open('2026-11-26T03:00', 'lok_ma_chau')).toBe(true);
    });
  });
});
