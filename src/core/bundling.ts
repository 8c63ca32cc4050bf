/**
 * Bundling CCRNs with a vehicle, hearing and cancelling one's bundles. The per-CCRN rules run
 * twice: as each CCRN is entered (`checkCcrn`, to tell the caller at once) and again on the rows
 * the repository has locked (the only check that counts: another caller may bundle meanwhile).
 */
import { z } from 'zod';
import type { BundleRepository, ConsignmentRepository, DriverRepository, TokenRepository } from './ports.js';
import type { Asker, BundleReason, BundlingService } from './services.js';
import { fail, ok, type Authorisation, type Clock, type Consignment, type Direction, type Result } from './types.js';
import { checkBundleRef, checkCcrn, checkVehicleMark } from './identifiers.js';
import { authorisationStands, lockedUntil, tokenDates } from './tokens.js';
import { assessBundle, assessCcrn, ccrnRefusal, EARLIEST_CROSSING_MS, isLate, MAX_CCRNS } from './bundle-checks.js';
import { outcomeOf, type Auditor } from './audit.js';

export { EARLIEST_CROSSING_MS, MAX_CCRNS, ccrnRefusal } from './bundle-checks.js';

const authSchema = z.object({ driverNo: z.string(), serial: z.string(), until: z.number() });
const checkInput = z.object({
  ccrn: z.string(),
  direction: z.enum(['inbound', 'outbound']).optional(),
  taken: z.array(z.string()).optional(),
});
const prepareInput = z.object({ driverNo: z.string(), vehicle: z.string().nullable(), ccrns: z.array(z.string()) });
const bundleInput = z.object({ authorisation: authSchema, vehicleMark: z.string(), ccrns: z.array(z.string()) });
const unbundleInput = z.object({ authorisation: authSchema, bundleRef: z.string() });

export interface BundlingDeps {
  drivers: Pick<DriverRepository, 'byDriverNo'>;
  tokens: Pick<TokenRepository, 'currentForDriver'>;
  consignments: ConsignmentRepository;
  bundles: BundleRepository;
  clock: Clock;
  audit: Auditor;
}

export function createBundling({ drivers, tokens, consignments, bundles, clock, audit }: BundlingDeps): BundlingService {
  const authorised = async (auth: unknown, now: Date) => {
    const parsed = authSchema.safeParse(auth);
    if (!parsed.success) return { ok: false as const, reason: 'not_authorised' as const };
    const stands = await authorisationStands(tokens, parsed.data, now);
    return stands.ok ? { ok: true as const, auth: parsed.data, token: stands.token } : { ok: false as const, reason: 'not_authorised' as const };
  };

  const bundle = async (
    input: { authorisation: Authorisation; vehicleMark: string; ccrns: string[] },
    asker: Asker,
    now: Date,
  ): Promise<{ driverNo: string | null; result: Awaited<ReturnType<BundlingService['bundle']>> }> => {
    const parsed = bundleInput.safeParse(input);
    if (!parsed.success) {
      const path = parsed.error.issues[0]?.path ?? [];
      const reason =
        path[0] === 'ccrns' ? (path.length > 1 ? 'ccrn_format' : 'no_ccrns') : path[0] === 'vehicleMark' ? 'vehicle_not_registered' : 'not_authorised';
      return { driverNo: null, result: fail(reason) };
    }
    const { authorisation: auth, vehicleMark, ccrns } = parsed.data;
    if (!(auth.until > now.getTime())) return { driverNo: null, result: fail('not_authorised') };
    const driver = await drivers.byDriverNo(auth.driverNo);
    if (!driver) return { driverNo: null, result: fail('driver_unknown') };
    const refuse = (reason: BundleReason, detail?: Record<string, unknown>) => ({ driverNo: driver.driverNo, result: fail(reason, detail) });

    const token = await tokens.currentForDriver(driver.driverNo);
    if (!token) return refuse('token_missing');
    if (token.serial !== auth.serial) return refuse('not_authorised');
    const lockEnds = lockedUntil(token, now);
    if (lockEnds) return refuse('token_locked', { lockedUntil: lockEnds.toISOString() });
    // An expired token cannot bundle; one that merely needs replacing still can.
    if (tokenDates(token, now).expired) return refuse('token_expired', { expiresOn: token.expiresOn });

    const mark = checkVehicleMark(vehicleMark);
    if (!mark.ok || !driver.vehicles.includes(mark.value)) return refuse('vehicle_not_registered', { vehicleMark });

    if (ccrns.length === 0) return refuse('no_ccrns');
    if (ccrns.length > MAX_CCRNS) return refuse('too_many_ccrns', { max: MAX_CCRNS, count: ccrns.length });
    const values: string[] = [];
    for (const raw of ccrns) {
      const id = checkCcrn(raw);
      if (!id.ok) return refuse(id.reason === 'format' ? 'ccrn_format' : 'ccrn_check_digit', { ccrn: raw });
      if (values.includes(id.value)) return refuse('ccrn_repeated', { ccrn: id.value });
      values.push(id.value);
    }

    const earliestCrossingAt = new Date(now.getTime() + EARLIEST_CROSSING_MS);
    let lockedRows: Consignment[] = [];
    const created = await bundles.create(
      { driverNo: driver.driverNo, vehicleMark: mark.value, ccrns: values, channel: asker.channel, at: now, earliestCrossingAt },
      (locked): Result<object, string> => {
        lockedRows = locked;
        const byCcrn = new Map(locked.map((c) => [c.ccrn, c]));
        let direction: Direction | null = null;
        for (const ccrn of values) {
          const c = byCcrn.get(ccrn);
          if (!c) return fail('ccrn_unknown', { ccrn });
          const refusal = ccrnRefusal(c, now);
          if (refusal) return refusal;
          direction ??= c.direction;
          if (c.direction !== direction) return fail('direction_mixed', { ccrn, direction: c.direction, expected: direction });
        }
        return ok({});
      },
    );
    if (!created.ok) return refuse(created.reason as BundleReason, created.detail);
    const lateCcrns = lockedRows.filter((c) => isLate(c, earliestCrossingAt)).map((c) => c.ccrn);
    return { driverNo: driver.driverNo, result: ok({ bundle: created.bundle, lateCcrns }) };
  };

  const service: BundlingService = {
    async checkCcrn(input, _asker) {
      const parsed = checkInput.safeParse(input);
      if (!parsed.success) return fail('ccrn_format');
      const { ccrn, direction, taken = [] } = parsed.data;
      const a = await assessCcrn(ccrn, { direction, taken, now: clock.now(), byCcrn: (x) => consignments.byCcrn(x) });
      return a.ok ? ok({ consignment: a.consignment }) : a;
    },

    async prepare(input, _asker) {
      const parsed = prepareInput.safeParse(input);
      if (!parsed.success) return { ok: false, problems: [{ reason: 'no_ccrns' }] };
      const driver = await drivers.byDriverNo(parsed.data.driverNo);
      if (!driver) return { ok: false, problems: [{ reason: 'driver_unknown' }] };
      return assessBundle({ driver, vehicle: parsed.data.vehicle, ccrns: parsed.data.ccrns }, { now: clock.now(), byCcrn: (x) => consignments.byCcrn(x) });
    },

    async confirm(draft, authorisation, asker) {
      if (draft?.driverNo !== authorisation?.driverNo) return fail('not_authorised');
      return service.bundle({ authorisation, vehicleMark: draft.vehicleMark, ccrns: draft.ccrns }, asker);
    },

    async bundleOf(input) {
      const now = clock.now();
      const auth = await authorised(input?.authorisation, now);
      if (!auth.ok) return fail('not_authorised');
      const id = checkBundleRef(String(input.bundleRef ?? ''));
      if (!id.ok) return fail(id.reason === 'format' ? 'bundle_ref_format' : 'bundle_ref_check_digit');
      const b = await bundles.byRef(id.value);
      if (!b) return fail('bundle_unknown');
      if (b.driverNo !== auth.auth.driverNo) return fail('bundle_not_yours');
      const lateCcrns: string[] = [];
      for (const ccrn of b.ccrns) {
        const c = await consignments.byCcrn(ccrn);
        if (c && isLate(c, b.earliestCrossingAt)) lateCcrns.push(ccrn);
      }
      return ok({ bundle: b, lateCcrns, cancellable: b.status === 'active' });
    },

    async bundle(input, asker) {
      const now = clock.now();
      const { driverNo, result } = await bundle(input, asker, now);
      await audit.record(asker, {
        action: 'bundle.create',
        driverNo,
        outcome: outcomeOf(result),
        detail: result.ok
          ? {
              bundleRef: result.bundle.bundleRef,
              vehicleMark: result.bundle.vehicleMark,
              ccrns: result.bundle.ccrns,
              ...(result.lateCcrns.length ? { lateCcrns: result.lateCcrns } : {}),
            }
          : { ...(typeof result.detail?.ccrn === 'string' ? { ccrn: result.detail.ccrn } : {}) },
      });
      return result;
    },

    async activeBundles(input) {
      const auth = await authorised(input?.authorisation, clock.now());
      if (!auth.ok) return fail('not_authorised');
      return ok({ bundles: await bundles.activeForDriver(auth.auth.driverNo) });
    },

    async unbundle(input, asker) {
      const now = clock.now();
      const parsed = unbundleInput.safeParse(input);
      const auth = await authorised(parsed.success ? parsed.data.authorisation : null, now);
      let result: Awaited<ReturnType<BundlingService['unbundle']>>;
      let bundleRef: string | null = null;
      if (!auth.ok || !parsed.success) result = fail('not_authorised');
      else {
        const id = checkBundleRef(parsed.data.bundleRef);
        if (!id.ok) result = fail(id.reason === 'format' ? 'bundle_ref_format' : 'bundle_ref_check_digit');
        else {
          bundleRef = id.value;
          result = await bundles.cancel(id.value, auth.auth.driverNo, now);
        }
      }
      await audit.record(asker, {
        action: 'bundle.cancel',
        driverNo: auth.ok ? auth.auth.driverNo : null,
        outcome: outcomeOf(result),
        ...(bundleRef ? { detail: { bundleRef } } : {}),
      });
      return result;
    },
  };
  return service;
}
