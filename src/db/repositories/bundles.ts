import type { BundleRepository } from '../../core/ports.js';
import type { Bundle, Consignment } from '../../core/types.js';
import { fail, ok } from '../../core/types.js';
import { makeBundleRef } from '../../core/identifiers.js';
import type { Sql } from '../connect.js';
import { BUNDLE_SELECT, CONSIGNMENT_SELECT, toBundle, toConsignment, type BundleRow, type ConsignmentRow } from './rows.js';

export function createBundleRepository(sql: Sql): BundleRepository {
  const bundleSelect = sql.unsafe(BUNDLE_SELECT);
  const consignmentSelect = sql.unsafe(CONSIGNMENT_SELECT);

  return {
    async create(input, check) {
      return sql.begin(async (tx) => {
        // Lock first, in a stable order (two bundlings of overlapping CCRNs never deadlock), then
        // read in a new statement so that rows changed by a transaction we waited for are current.
        await tx`SELECT ccrn FROM consignments WHERE ccrn = ANY(${input.ccrns}::text[]) ORDER BY ccrn FOR UPDATE`;
        const rows = await tx<ConsignmentRow[]>`${consignmentSelect} WHERE c.ccrn = ANY(${input.ccrns}::text[])`;
        const byCcrn = new Map(rows.map((r) => [r.ccrn, toConsignment(r)]));
        const locked = input.ccrns.map((c) => byCcrn.get(c)).filter((c): c is Consignment => c !== undefined);
        const verdict = check(locked);
        if (!verdict.ok) return verdict;
        const direction = locked[0]?.direction;
        if (!direction || locked.length !== input.ccrns.length) throw new Error('bundle check passed without every consignment');

        const [{ serial }] = (await tx<{ serial: string }[]>`SELECT nextval('bundle_serial_seq')::text AS serial`) as unknown as [
          { serial: string },
        ];
        const bundleRef = makeBundleRef(serial.padStart(8, '0'));
        await tx`
          INSERT INTO bundles (bundle_ref, driver_no, vehicle_mark, direction, status, channel, created_at, earliest_crossing_at)
          VALUES (${bundleRef}, ${input.driverNo}, ${input.vehicleMark}, ${direction}, 'active', ${input.channel},
            ${input.at}, ${input.earliestCrossingAt})`;
        const items = input.ccrns.map((ccrn, position) => ({ bundle_ref: bundleRef, ccrn, position }));
        await tx`INSERT INTO bundle_items ${tx(items, 'bundle_ref', 'ccrn', 'position')}`;
        await tx`UPDATE consignments SET status = 'bundled', bundle_ref = ${bundleRef} WHERE ccrn = ANY(${input.ccrns}::text[])`;
        const bundle: Bundle = {
          bundleRef,
          driverNo: input.driverNo,
          vehicleMark: input.vehicleMark,
          direction,
          ccrns: [...input.ccrns],
          createdAt: input.at,
          earliestCrossingAt: input.earliestCrossingAt,
          status: 'active',
          channel: input.channel,
        };
        return ok({ bundle });
      }) as ReturnType<BundleRepository['create']>;
    },

    async byRef(bundleRef) {
      const rows = await sql<BundleRow[]>`${bundleSelect} WHERE b.bundle_ref = ${bundleRef}`;
      return rows[0] ? toBundle(rows[0]) : null;
    },

    async activeForDriver(driverNo) {
      const rows = await sql<BundleRow[]>`
        ${bundleSelect} WHERE b.driver_no = ${driverNo} AND b.status = 'active' ORDER BY b.created_at DESC, b.bundle_ref DESC`;
      return rows.map(toBundle);
    },

    async cancel(bundleRef, driverNo, at) {
      return sql.begin(async (tx) => {
        const found = await tx<{ driver_no: string; status: string }[]>`
          SELECT driver_no, status FROM bundles WHERE bundle_ref = ${bundleRef} FOR UPDATE`;
        const row = found[0];
        if (!row) return fail('bundle_unknown' as const);
        if (row.driver_no !== driverNo) return fail('bundle_not_yours' as const);
        if (row.status !== 'active') return fail('bundle_not_active' as const);
        await tx`SELECT ccrn FROM consignments WHERE bundle_ref = ${bundleRef} ORDER BY ccrn FOR UPDATE`;
        await tx`UPDATE bundles SET status = 'cancelled', cancelled_at = ${at} WHERE bundle_ref = ${bundleRef}`;
        await tx`
          UPDATE consignments SET status = 'submitted', bundle_ref = NULL
          WHERE bundle_ref = ${bundleRef} AND status = 'bundled'`;
        const [after] = await tx<BundleRow[]>`${bundleSelect} WHERE b.bundle_ref = ${bundleRef}`;
        return ok({ bundle: toBundle(after!) });
      }) as ReturnType<BundleRepository['cancel']>;
    },
  };
}
