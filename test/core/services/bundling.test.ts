import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/connect.js';
import type { Services } from '../../../src/core/services.js';
import type { Authorisation } from '../../../src/core/types.js';
import { createDataPorts } from '../../../src/db/repositories/index.js';
import { codeAt } from '../../../src/core/totp.js';
import { makeBundleRef } from '../../../src/core/identifiers.js';
import { dbTargets } from '../../helpers/db.js';
import { fakeClock } from '../../helpers/clock.js';
import { bundleCounts, makeConsignment, makeDriver, MINUTE, openSeeded, voice, web, type MadeDriver } from './support.js';

const SEEDED = new Date('2026-11-26T02:00:00Z');
const clock = fakeClock(SEEDED);
const DEMO = { bundled: '261100000045', crossed: '261100000059', cancelled: '261100000068', expired: '261100000076' };
const UNKNOWN = '261299999990';

describe.each(dbTargets())('bundling service on $name', (target) => {
  let db: Database;
  let services: Services;
  beforeAll(async () => {
    ({ db, services } = await openSeeded(target, SEEDED, clock));
  });
  afterAll(() => db?.close());
  beforeEach(() => clock.set(SEEDED));

  /** A driver of our own (own token) with a fresh authorisation. */
  const authorisedDriver = async (opts: Parameters<typeof makeDriver>[1] = {}): Promise<{ d: MadeDriver; auth: Authorisation }> => {
    const d = await makeDriver(db.sql, opts);
    const r = await services.tokens.verify({ driverNo: d.driverNo, code: codeAt(d.secret, clock.now()) }, voice());
    if (!r.ok) throw new Error(`verify: ${r.reason}`);
    return { d, auth: r.authorisation };
  };
  const inMinutes = (m: number) => new Date(clock.now().getTime() + m * MINUTE);
  const fresh = (direction: 'inbound' | 'outbound' = 'inbound', minutes = 180) =>
    makeConsignment(db.sql, { direction, expectedCrossingAt: inMinutes(minutes) });

  /** Bundles and expects a refusal that wrote nothing. */
  const refused = async (input: Parameters<Services['bundling']['bundle']>[0]) => {
    const before = await bundleCounts(db.sql);
    const r = await services.bundling.bundle(input, voice());
    expect(r.ok).toBe(false);
    expect(await bundleCounts(db.sql)).toEqual(before);
    return r;
  };

  describe('bundle', () => {
    it('bundles CCRNs with the vehicle: a reference, and crossing permitted from 30 minutes later', async () => {
      const { d, auth } = await authorisedDriver();
      const a = await fresh();
      const b = await fresh();
      const r = await services.bundling.bundle({ authorisation: auth, vehicleMark: d.vehicles[0]!.toLowerCase(), ccrns: [a, `${b.slice(0, 4)} ${b.slice(4)}`] }, voice('+85291239876'));
      if (!r.ok) throw new Error(r.reason);
      expect(r.bundle).toMatchObject({
        driverNo: d.driverNo,
        vehicleMark: d.vehicles[0],
        direction: 'inbound',
        ccrns: [a, b],
        status: 'active',
        channel: 'voice',
        createdAt: clock.now(),
        earliestCrossingAt: inMinutes(30),
      });
      expect(r.bundle.bundleRef).toMatch(/^\d{9}$/);
      expect(r.lateCcrns).toEqual([]);
      for (const ccrn of [a, b]) {
        expect(await services.consignments.status({ ccrn }, web)).toMatchObject({
          consignment: { status: 'bundled', vehicleMark: d.vehicles[0], bundleRef: r.bundle.bundleRef, bundledAt: clock.now() },
        });
      }
      const [entry] = await createDataPorts(db.sql).audit.list({ driverNo: d.driverNo, action: 'bundle.create' });
      expect(entry).toMatchObject({
        channel: 'voice',
        callerMasked: '+852****9876',
        outcome: 'ok',
        detail: { bundleRef: r.bundle.bundleRef, vehicleMark: d.vehicles[0], ccrns: [a, b] },
      });
    });

    it('warns about consignments declared to cross before the earliest permitted crossing, and the bundle stands', async () => {
      const { d, auth } = await authorisedDriver();
      const soon = await fresh('outbound', 10);
      const later = await fresh('outbound', 45);
      const r = await services.bundling.bundle({ authorisation: auth, vehicleMark: d.vehicles[0]!, ccrns: [later, soon] }, voice());
      expect(r).toMatchObject({ ok: true, lateCcrns: [soon], bundle: { direction: 'outbound', status: 'active' } });
    });

    it('refuses without a standing authorisation', async () => {
      const { d, auth } = await authorisedDriver();
      const a = await fresh();
      clock.advance(10 * MINUTE);
      expect(await refused({ authorisation: auth, vehicleMark: d.vehicles[0]!, ccrns: [a] })).toEqual({ ok: false, reason: 'not_authorised' });
      clock.set(SEEDED);
      expect(await refused({ authorisation: { ...auth, serial: 'OTHER' }, vehicleMark: d.vehicles[0]!, ccrns: [a] })).toEqual({ ok: false, reason: 'not_authorised' });
      expect(await refused({ authorisation: { driverNo: d.driverNo } as Authorisation, vehicleMark: d.vehicles[0]!, ccrns: [a] })).toEqual({ ok: false, reason: 'not_authorised' });
      // The token was replaced since: the old authorisation no longer stands.
      await createDataPorts(db.sql).tokens.replace(d.driverNo, { serial: `R${d.driverNo}`, secretBase32: d.secret, labelColour: 'green', expiresOn: '2099-01-01' }, clock.now());
      expect(await refused({ authorisation: auth, vehicleMark: d.vehicles[0]!, ccrns: [a] })).toEqual({ ok: false, reason: 'not_authorised' });
    });

    it('refuses an unknown driver and a driver with no token', async () => {
      const a = await fresh();
      const until = clock.now().getTime() + MINUTE;
      expect(await refused({ authorisation: { driverNo: '41000062', serial: 'T1', until }, vehicleMark: 'AB1234', ccrns: [a] })).toEqual({ ok: false, reason: 'driver_unknown' });
      const none = await makeDriver(db.sql, { noToken: true });
      expect(await refused({ authorisation: { driverNo: none.driverNo, serial: 'T1', until }, vehicleMark: none.vehicles[0]!, ccrns: [a] })).toEqual({ ok: false, reason: 'token_missing' });
    });

    it('refuses once the token is locked, even within the authorisation', async () => {
      const { d, auth } = await authorisedDriver();
      for (let i = 0; i < 5; i++) await services.tokens.verify({ driverNo: d.driverNo, code: codeAt(d.secret, clock.now(), -5) }, voice());
      expect(await refused({ authorisation: auth, vehicleMark: d.vehicles[0]!, ccrns: [await fresh()] })).toEqual({
        ok: false,
        reason: 'token_locked',
        detail: { lockedUntil: new Date(clock.now().getTime() + 15 * MINUTE).toISOString() },
      });
    });

    it('refuses once the token has expired, even within the authorisation', async () => {
      // 23:55 in Hong Kong on the token's last valid day.
      clock.set('2026-11-26T15:55:00Z');
      const { d, auth } = await authorisedDriver({ expiresOn: '2026-11-26' });
      const a = await fresh();
      clock.advance(6 * MINUTE);
      expect(await refused({ authorisation: auth, vehicleMark: d.vehicles[0]!, ccrns: [a] })).toMatchObject({ ok: false, reason: 'token_expired' });
    });

    it('refuses a vehicle not registered to the driver', async () => {
      const { auth } = await authorisedDriver();
      const other = await makeDriver(db.sql);
      const a = await fresh();
      for (const vehicleMark of [other.vehicles[0]!, 'AB1234', 'not a mark!', '']) {
        expect(await refused({ authorisation: auth, vehicleMark, ccrns: [a] })).toMatchObject({ ok: false, reason: 'vehicle_not_registered' });
      }
    });

    it('needs one to twenty CCRNs, each well-formed and entered once', async () => {
      const { d, auth } = await authorisedDriver();
      const v = d.vehicles[0]!;
      const a = await fresh();
      expect(await refused({ authorisation: auth, vehicleMark: v, ccrns: [] })).toEqual({ ok: false, reason: 'no_ccrns' });
      expect(await refused({ authorisation: auth, vehicleMark: v, ccrns: Array.from({ length: 21 }, () => a) })).toMatchObject({ ok: false, reason: 'too_many_ccrns' });
      expect(await refused({ authorisation: auth, vehicleMark: v, ccrns: [a, '26110000001'] })).toEqual({ ok: false, reason: 'ccrn_format', detail: { ccrn: '26110000001' } });
      expect(await refused({ authorisation: auth, vehicleMark: v, ccrns: [a, '261100000014'] })).toEqual({ ok: false, reason: 'ccrn_check_digit', detail: { ccrn: '261100000014' } });
      expect(await refused({ authorisation: auth, vehicleMark: v, ccrns: [a, `${a.slice(0, 6)} ${a.slice(6)}`] })).toEqual({ ok: false, reason: 'ccrn_repeated', detail: { ccrn: a } });
    });

    it('refuses, naming the CCRN, consignments that are unknown, cancelled, crossed, lapsed or bundled elsewhere', async () => {
      const { d, auth } = await authorisedDriver();
      const a = await fresh();
      const cases: [string, string][] = [
        [UNKNOWN, 'ccrn_unknown'],
        [DEMO.cancelled, 'ccrn_cancelled'],
        [DEMO.crossed, 'ccrn_crossed'],
        [DEMO.expired, 'ccrn_expired'],
        [DEMO.bundled, 'ccrn_bundled'],
      ];
      for (const [ccrn, reason] of cases) {
        expect(await refused({ authorisation: auth, vehicleMark: d.vehicles[0]!, ccrns: [a, ccrn] })).toMatchObject({ ok: false, reason, detail: { ccrn } });
      }
      expect((await services.consignments.status({ ccrn: a }, web))).toMatchObject({ consignment: { status: 'submitted' } });
      const [entry] = await createDataPorts(db.sql).audit.list({ driverNo: d.driverNo, action: 'bundle.create' });
      expect(entry).toMatchObject({ outcome: 'ccrn_bundled', detail: { ccrn: DEMO.bundled } });
    });

    it('refuses a mix of inbound and outbound consignments', async () => {
      const { d, auth } = await authorisedDriver();
      const a = await fresh('inbound');
      const b = await fresh('outbound');
      expect(await refused({ authorisation: auth, vehicleMark: d.vehicles[0]!, ccrns: [a, b] })).toMatchObject({ ok: false, reason: 'direction_mixed', detail: { ccrn: b } });
    });
  });

  describe('checkCcrn', () => {
    it('accepts a consignment that can be bundled and tells each refusal as it is entered', async () => {
      const a = await fresh('inbound');
      expect(await services.bundling.checkCcrn({ ccrn: a }, voice())).toMatchObject({ ok: true, consignment: { ccrn: a, status: 'submitted', direction: 'inbound' } });
      expect(await services.bundling.checkCcrn({ ccrn: a, direction: 'outbound' }, voice())).toMatchObject({ ok: false, reason: 'direction_mixed', detail: { ccrn: a } });
      expect(await services.bundling.checkCcrn({ ccrn: a, direction: 'inbound', taken: [a] }, voice())).toEqual({ ok: false, reason: 'ccrn_repeated', detail: { ccrn: a } });
      expect(await services.bundling.checkCcrn({ ccrn: '261100000014' }, voice())).toEqual({ ok: false, reason: 'ccrn_check_digit', detail: { ccrn: '261100000014' } });
      expect(await services.bundling.checkCcrn({ ccrn: '2611' }, voice())).toEqual({ ok: false, reason: 'ccrn_format', detail: { ccrn: '2611' } });
      expect(await services.bundling.checkCcrn({ ccrn: UNKNOWN }, voice())).toEqual({ ok: false, reason: 'ccrn_unknown', detail: { ccrn: UNKNOWN } });
      expect(await services.bundling.checkCcrn({ ccrn: DEMO.cancelled }, voice())).toMatchObject({ reason: 'ccrn_cancelled' });
      expect(await services.bundling.checkCcrn({ ccrn: DEMO.crossed }, voice())).toMatchObject({ reason: 'ccrn_crossed' });
      expect(await services.bundling.checkCcrn({ ccrn: DEMO.expired }, voice())).toMatchObject({ reason: 'ccrn_expired' });
      expect(await services.bundling.checkCcrn({ ccrn: DEMO.bundled }, voice())).toMatchObject({ reason: 'ccrn_bundled', detail: { ccrn: DEMO.bundled, vehicleMark: 'AB1234' } });
    });
  });

  describe('prepare and confirm', () => {
    it('finds every problem of a request at once, each naming its CCRN, and writes nothing', async () => {
      const { d } = await authorisedDriver();
      const inbound = await fresh('inbound');
      const outbound = await fresh('outbound');
      const before = await bundleCounts(db.sql);
      const r = await services.bundling.prepare(
        {
          driverNo: d.driverNo,
          vehicle: 'ZZ9',
          ccrns: [inbound, '2611', '261100000014', UNKNOWN, inbound, DEMO.cancelled, DEMO.crossed, DEMO.expired, DEMO.bundled, outbound],
        },
        web,
      );
      expect(r).toEqual({
        ok: false,
        problems: [
          { reason: 'vehicle_not_registered', detail: { vehicleMark: 'ZZ9' } },
          { reason: 'ccrn_format', detail: { ccrn: '2611' } },
          { reason: 'ccrn_check_digit', detail: { ccrn: '261100000014' } },
          { reason: 'ccrn_unknown', detail: { ccrn: UNKNOWN } },
          { reason: 'ccrn_repeated', detail: { ccrn: inbound } },
          { reason: 'ccrn_cancelled', detail: { ccrn: DEMO.cancelled } },
          { reason: 'ccrn_crossed', detail: { ccrn: DEMO.crossed } },
          { reason: 'ccrn_expired', detail: { ccrn: DEMO.expired } },
          { reason: 'ccrn_bundled', detail: { ccrn: DEMO.bundled, vehicleMark: 'AB1234' } },
          { reason: 'direction_mixed', detail: { ccrn: outbound, direction: 'outbound', expected: 'inbound' } },
        ],
      });
      expect(await bundleCounts(db.sql)).toEqual(before);
      expect(await services.bundling.prepare({ driverNo: d.driverNo, vehicle: '', ccrns: [] }, web)).toEqual({
        ok: false,
        problems: [{ reason: 'vehicle_missing' }, { reason: 'no_ccrns' }],
      });
      expect(await services.bundling.prepare({ driverNo: d.driverNo, vehicle: 'not a mark!', ccrns: [inbound] }, web)).toMatchObject({
        ok: false,
        problems: [{ reason: 'vehicle_format' }],
      });
    });

    it('drafts a bundle with its late CCRNs as a warning, and confirm makes exactly that bundle', async () => {
      const { d, auth } = await authorisedDriver();
      const soon = await fresh('inbound', 10);
      const later = await fresh('inbound', 180);
      const p = await services.bundling.prepare({ driverNo: d.driverNo, vehicle: d.vehicles[0]!.toLowerCase(), ccrns: [soon, later] }, web);
      if (!p.ok) throw new Error(JSON.stringify(p.problems));
      expect(p.draft).toMatchObject({ driverNo: d.driverNo, vehicleMark: d.vehicles[0], direction: 'inbound', ccrns: [soon, later], lateCcrns: [soon] });
      const other = await authorisedDriver();
      expect(await services.bundling.confirm(p.draft, other.auth, web)).toEqual({ ok: false, reason: 'not_authorised' });
      const made = await services.bundling.confirm(p.draft, auth, web);
      expect(made).toMatchObject({ ok: true, bundle: { ccrns: [soon, later], vehicleMark: d.vehicles[0] }, lateCcrns: [soon] });
      if (!made.ok) return;
      expect(await services.bundling.bundleOf({ authorisation: auth, bundleRef: made.bundle.bundleRef })).toMatchObject({
        ok: true,
        lateCcrns: [soon],
        cancellable: true,
      });
      expect(await services.bundling.bundleOf({ authorisation: other.auth, bundleRef: made.bundle.bundleRef })).toEqual({ ok: false, reason: 'bundle_not_yours' });
    });

    it('takes the driver\'s only vehicle when none is named', async () => {
      const { d } = await authorisedDriver();
      const a = await fresh();
      const r = await services.bundling.prepare({ driverNo: d.driverNo, vehicle: null, ccrns: [a] }, web);
      if (d.vehicles.length === 1) expect(r).toMatchObject({ ok: true, draft: { vehicleMark: d.vehicles[0] } });
      else expect(r).toEqual({ ok: false, problems: [{ reason: 'vehicle_missing' }] });
    });
  });

  describe('hearing and cancelling bundles', () => {
    it('lists the driver\'s active bundles and cancels one, freeing its consignments', async () => {
      const { d, auth } = await authorisedDriver();
      const a = await fresh();
      const made = await services.bundling.bundle({ authorisation: auth, vehicleMark: d.vehicles[0]!, ccrns: [a] }, voice());
      if (!made.ok) throw new Error(made.reason);
      expect(await services.bundling.activeBundles({ authorisation: auth })).toMatchObject({ ok: true, bundles: [{ bundleRef: made.bundle.bundleRef }] });

      const ref = made.bundle.bundleRef;
      const wrongDigit = ref.slice(0, 8) + String((Number(ref[8]) + 1) % 10);
      expect(await services.bundling.unbundle({ authorisation: auth, bundleRef: wrongDigit }, voice())).toEqual({ ok: false, reason: 'bundle_ref_check_digit' });
      expect(await services.bundling.unbundle({ authorisation: auth, bundleRef: '12345' }, voice())).toEqual({ ok: false, reason: 'bundle_ref_format' });
      expect(await services.bundling.unbundle({ authorisation: auth, bundleRef: '261100013' }, voice())).toEqual({ ok: false, reason: 'bundle_not_yours' });

      const cancelled = await services.bundling.unbundle({ authorisation: auth, bundleRef: ref }, voice('+85291230000'));
      expect(cancelled).toMatchObject({ ok: true, bundle: { bundleRef: ref, status: 'cancelled' } });
      expect(await services.bundling.unbundle({ authorisation: auth, bundleRef: ref }, voice())).toEqual({ ok: false, reason: 'bundle_not_active' });
      expect(await services.bundling.activeBundles({ authorisation: auth })).toEqual({ ok: true, bundles: [] });
      expect(await services.consignments.status({ ccrn: a }, web)).toMatchObject({ consignment: { status: 'submitted', bundleRef: null, vehicleMark: null } });
      const [entry] = await createDataPorts(db.sql).audit.list({ driverNo: d.driverNo, action: 'bundle.cancel' });
      expect(entry).toMatchObject({ callerMasked: '+852****0000', outcome: 'bundle_not_active', detail: { bundleRef: ref } });
    });

    it('refuses an unknown bundle reference', async () => {
      const { auth } = await authorisedDriver();
      expect(await services.bundling.unbundle({ authorisation: auth, bundleRef: makeBundleRef('99999999') }, voice())).toEqual({ ok: false, reason: 'bundle_unknown' });
    });

    it('needs a standing authorisation to hear or cancel bundles', async () => {
      const { auth } = await authorisedDriver();
      clock.advance(11 * MINUTE);
      expect(await services.bundling.activeBundles({ authorisation: auth })).toEqual({ ok: false, reason: 'not_authorised' });
      expect(await services.bundling.unbundle({ authorisation: auth, bundleRef: '261100013' }, voice())).toEqual({ ok: false, reason: 'not_authorised' });
    });
  });
});
