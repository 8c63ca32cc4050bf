/**
 * The rules a bundle must pass, as pure functions over what the repositories return: one CCRN at a
 * time (`assessCcrn`, what the hotline calls as each CCRN is keyed in) and a whole request at once
 * (`assessBundle`, every problem together, each naming its CCRN). The bundling service runs them;
 * channels and flows only render their outcome.
 */
import type { BundleProblemReason, BundleReason, ConsignmentView } from './services.js';
import type { Consignment, Direction, Driver } from './types.js';
import { checkCcrn, checkVehicleMark } from './identifiers.js';
import { consignmentView, hasLapsed } from './status.js';

/** Crossing is permitted from 30 minutes after bundling. */
export const EARLIEST_CROSSING_MS = 30 * 60_000;
export const MAX_CCRNS = 20;

export interface BundleProblem {
  reason: BundleProblemReason;
  /** `ccrn` for a problem about one CCRN (as typed when its format is wrong); `vehicleMark`, `direction`, `expected`, `max`. */
  detail?: Record<string, unknown>;
}

type Refusal = { ok: false; reason: BundleReason; detail?: Record<string, unknown> };
const refuse = (reason: BundleReason, detail?: Record<string, unknown>): Refusal =>
  detail ? { ok: false, reason, detail } : { ok: false, reason };

/** Why one consignment cannot be bundled now, or null. The PRC permit of FAQ Shipper 7 is not looked at. */
export function ccrnRefusal(c: Consignment, now: Date): Refusal | null {
  const detail = { ccrn: c.ccrn };
  switch (c.status) {
    case 'cancelled':
      return refuse('ccrn_cancelled', detail);
    case 'crossed':
      // A repatriated truck needs a new CCRN and a new bundle (FAQ Truck Drivers 5).
      return refuse('ccrn_crossed', detail);
    case 'bundled':
      return refuse('ccrn_bundled', { ...detail, ...(c.vehicleMark ? { vehicleMark: c.vehicleMark } : {}) });
    case 'submitted':
      return hasLapsed(c, now) ? refuse('ccrn_expired', detail) : null;
  }
}

/** True when crossing, permitted from `earliestCrossingAt`, would come after the declared crossing time. */
export const isLate = (c: Pick<Consignment, 'expectedCrossingAt'>, earliestCrossingAt: Date): boolean =>
  c.expectedCrossingAt.getTime() < earliestCrossingAt.getTime();

export type CcrnAssessment = { ok: true; consignment: ConsignmentView; row: Consignment } | Refusal;

/**
 * One CCRN as typed: format and check digit, repeated among `taken`, known, bundlable now, and of
 * the `direction` of the CCRNs already taken.
 */
export async function assessCcrn(
  raw: string,
  ctx: { direction?: Direction | undefined; taken?: string[]; now: Date; byCcrn: (ccrn: string) => Promise<Consignment | null> },
): Promise<CcrnAssessment> {
  const id = checkCcrn(raw);
  if (!id.ok) return refuse(id.reason === 'format' ? 'ccrn_format' : 'ccrn_check_digit', { ccrn: raw });
  const ccrn = id.value;
  const same = (t: string) => {
    const x = checkCcrn(t);
    return (x.ok ? x.value : t) === ccrn;
  };
  if ((ctx.taken ?? []).some(same)) return refuse('ccrn_repeated', { ccrn });
  const c = await ctx.byCcrn(ccrn);
  if (!c) return refuse('ccrn_unknown', { ccrn });
  const refusal = ccrnRefusal(c, ctx.now);
  if (refusal) return refusal;
  if (ctx.direction && c.direction !== ctx.direction) return refuse('direction_mixed', { ccrn, direction: c.direction, expected: ctx.direction });
  return { ok: true, consignment: consignmentView(c, ctx.now), row: c };
}

/** What a bundle would be, once every check passed: confirmed with a token code. */
export interface BundleDraft {
  driverNo: string;
  vehicleMark: string;
  direction: Direction;
  /** Normalised, in the order given. */
  ccrns: string[];
  consignments: ConsignmentView[];
  /** Set when the earliest crossing (30 minutes from now) falls after a consignment's declared crossing time: a warning. */
  lateCcrns: string[];
}

/**
 * A whole request: the vehicle (null: not given, then the driver's only vehicle if they have one),
 * then every CCRN, all problems at once. Needs no token code, so a typo never uses one up.
 */
export async function assessBundle(
  input: { driver: Pick<Driver, 'driverNo' | 'vehicles'>; vehicle: string | null; ccrns: string[] },
  ctx: { now: Date; byCcrn: (ccrn: string) => Promise<Consignment | null> },
): Promise<{ ok: true; draft: BundleDraft } | { ok: false; problems: BundleProblem[] }> {
  const { driver } = input;
  const problems: BundleProblem[] = [];
  let vehicleMark = '';
  if (input.vehicle === null && driver.vehicles.length === 1) vehicleMark = driver.vehicles[0]!;
  else if (input.vehicle === null || !input.vehicle.trim()) problems.push({ reason: 'vehicle_missing' });
  else {
    const mark = checkVehicleMark(input.vehicle);
    if (!mark.ok) problems.push({ reason: 'vehicle_format', detail: { vehicleMark: input.vehicle.trim() } });
    else if (!driver.vehicles.includes(mark.value)) problems.push({ reason: 'vehicle_not_registered', detail: { vehicleMark: mark.value } });
    else vehicleMark = mark.value;
  }

  const earliestCrossingAt = new Date(ctx.now.getTime() + EARLIEST_CROSSING_MS);
  const ccrns: string[] = [];
  const consignments: ConsignmentView[] = [];
  const lateCcrns: string[] = [];
  let direction: Direction | undefined;
  if (input.ccrns.length === 0) problems.push({ reason: 'no_ccrns' });
  else if (input.ccrns.length > MAX_CCRNS) problems.push({ reason: 'too_many_ccrns', detail: { max: MAX_CCRNS, count: input.ccrns.length } });
  else {
    const seen: string[] = [];
    for (const raw of input.ccrns) {
      const a = await assessCcrn(raw, { direction, taken: seen, now: ctx.now, byCcrn: ctx.byCcrn });
      const id = checkCcrn(raw);
      if (id.ok) seen.push(id.value);
      if (!a.ok) {
        problems.push(a.detail ? { reason: a.reason, detail: a.detail } : { reason: a.reason });
        continue;
      }
      direction ??= a.consignment.direction;
      ccrns.push(a.consignment.ccrn);
      consignments.push(a.consignment);
      if (isLate(a.row, earliestCrossingAt)) lateCcrns.push(a.consignment.ccrn);
    }
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, draft: { driverNo: driver.driverNo, vehicleMark, direction: direction!, ccrns, consignments, lateCcrns } };
}
