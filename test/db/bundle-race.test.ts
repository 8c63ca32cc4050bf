import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/connect.js';
import type { Services } from '../../src/core/services.js';
import type { Authorisation } from '../../src/core/types.js';
import { codeAt } from '../../src/core/totp.js';
import { dbTargets } from '../helpers/db.js';
import { fakeClock } from '../helpers/clock.js';
import { bundleCounts, makeConsignment, makeDriver, MINUTE, servicesOver, voice, type MadeDriver } from '../core/services/support.js';

const clock = fakeClock('2026-11-26T02:00:00Z');

describe.each(dbTargets())('bundling races on $name', (target) => {
  let db: Database;
  let services: Services;
  const drivers: { d: MadeDriver; auth: Authorisation }[] = [];

  beforeAll(async () => {
    db = await target.open();
    services = servicesOver(db.sql, clock);
    for (let i = 0; i < 10; i++) {
      const d = await makeDriver(db.sql);
      const v = await services.tokens.verify({ driverNo: d.driverNo, code: codeAt(d.secret, clock.now()) }, voice());
      if (!v.ok) throw new Error(`verify failed: ${v.reason}`);
      drivers.push({ d, auth: v.authorisation });
    }
  });
  afterAll(() => db?.close());

  const later = () => new Date(clock.now().getTime() + 180 * MINUTE);

  it('ten drivers bundling the same CCRN at once end with exactly one bundle', async () => {
    const shared = await makeConsignment(db.sql, { expectedCrossingAt: later() });
    const own = await Promise.all(drivers.map(() => makeConsignment(db.sql, { expectedCrossingAt: later() })));
    const before = await bundleCounts(db.sql);

    const results = await Promise.all(
      drivers.map(({ d, auth }, i) =>
        services.bundling.bundle({ authorisation: auth, vehicleMark: d.vehicles[0]!, ccrns: [own[i]!, shared] }, voice()),
      ),
    );

    const won = results.filter((r) => r.ok);
    expect(won).toHaveLength(1);
    for (const r of results.filter((x) => !x.ok)) expect(r).toMatchObject({ ok: false, reason: 'ccrn_bundled', detail: { ccrn: shared } });

    // Nothing half-written: one bundle of two items; the losers' own consignments are still free.
    expect(await bundleCounts(db.sql)).toEqual({ bundles: before.bundles + 1, items: before.items + 2, bundled: before.bundled + 2 });
    const winner = results.findIndex((r) => r.ok);
    const [sharedRow] = await db.sql<{ status: string; vehicle_mark: string }[]>`
      SELECT c.status, b.vehicle_mark FROM consignments c JOIN bundles b USING (bundle_ref) WHERE c.ccrn = ${shared}`;
    expect(sharedRow).toEqual({ status: 'bundled', vehicle_mark: drivers[winner]!.d.vehicles[0] });
    const free = await db.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM consignments WHERE ccrn = ANY(${own.filter((_, i) => i !== winner)}::text[]) AND status = 'submitted'`;
    expect(free[0]?.n).toBe(9);
  });

  it('two drivers bundling overlapping CCRNs in opposite orders never deadlock and one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const x = await makeConsignment(db.sql, { expectedCrossingAt: later() });
      const y = await makeConsignment(db.sql, { expectedCrossingAt: later() });
      const [a, b] = [drivers[0]!, drivers[1]!];
      const before = await bundleCounts(db.sql);
      const results = await Promise.all([
        services.bundling.bundle({ authorisation: a.auth, vehicleMark: a.d.vehicles[0]!, ccrns: [x, y] }, voice()),
        services.bundling.bundle({ authorisation: b.auth, vehicleMark: b.d.vehicles[0]!, ccrns: [y, x] }, voice()),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.find((r) => !r.ok)).toMatchObject({ ok: false, reason: 'ccrn_bundled' });
      expect(await bundleCounts(db.sql)).toEqual({ bundles: before.bundles + 1, items: before.items + 2, bundled: before.bundled + 2 });
    }
  });

  it('a bundle and its cancellation racing a new bundling of the same CCRN leave consistent rows', async () => {
    const [a, b] = [drivers[2]!, drivers[3]!];
    const x = await makeConsignment(db.sql, { expectedCrossingAt: later() });
    const first = await services.bundling.bundle({ authorisation: a.auth, vehicleMark: a.d.vehicles[0]!, ccrns: [x] }, voice());
    if (!first.ok) throw new Error(first.reason);
    const [cancel, rebundle] = await Promise.all([
      services.bundling.unbundle({ authorisation: a.auth, bundleRef: first.bundle.bundleRef }, voice()),
      services.bundling.bundle({ authorisation: b.auth, vehicleMark: b.d.vehicles[0]!, ccrns: [x] }, voice()),
    ]);
    expect(cancel.ok).toBe(true);
    const [row] = await db.sql<{ status: string; bundle_ref: string | null }[]>`SELECT status, bundle_ref FROM consignments WHERE ccrn = ${x}`;
    if (rebundle.ok) expect(row).toEqual({ status: 'bundled', bundle_ref: rebundle.bundle.bundleRef });
    else {
      expect(rebundle).toMatchObject({ reason: 'ccrn_bundled' });
      expect(row).toEqual({ status: 'submitted', bundle_ref: null });
    }
  });
});
