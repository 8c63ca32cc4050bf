/** Consignment (CCRN) and registration status enquiries. */
import { z } from 'zod';
import type { ConsignmentRepository, RegistrationRepository } from './ports.js';
import type { ConsignmentService, ConsignmentView, RegistrationService, RegistrationView } from './services.js';
import { fail, ok, type Clock, type Consignment, type ConsignmentStatus, type Registration } from './types.js';
import { checkCcrn, checkRegRef } from './identifiers.js';
import { outcomeOf, type Auditor } from './audit.js';

/** A consignment whose declared crossing passed more than this long ago without crossing has lapsed. */
export const LAPSE_AFTER_MS = 24 * 60 * 60_000;

/** True when a submitted (not bundled) consignment has lapsed: "expired, declare again". */
export const hasLapsed = (c: Pick<Consignment, 'status' | 'expectedCrossingAt'>, now: Date): boolean =>
  c.status === 'submitted' && now.getTime() - c.expectedCrossingAt.getTime() > LAPSE_AFTER_MS;

export const consignmentStatus = (c: Consignment, now: Date): ConsignmentStatus => (hasLapsed(c, now) ? 'expired' : c.status);

export function consignmentView(c: Consignment, now: Date): ConsignmentView {
  return {
    ccrn: c.ccrn,
    direction: c.direction,
    status: consignmentStatus(c, now),
    packages: c.packages,
    expectedCrossingAt: c.expectedCrossingAt,
    vehicleMark: c.vehicleMark,
    bundleRef: c.bundleRef,
    bundledAt: c.bundledAt,
    crossedAt: c.crossedAt,
    controlPoint: c.controlPoint,
  };
}

export function registrationView(r: Registration): RegistrationView {
  return {
    refNo: r.refNo,
    applicantType: r.applicantType,
    status: r.status,
    // FAQ (Truck Drivers 1): a notification letter stays valid after its date range has passed.
    letterStillValid: r.letterValidUntil !== null,
    note: r.note,
  };
}

const ccrnInput = z.object({ ccrn: z.string() });
const refInput = z.object({ refNo: z.string() });

export function createConsignmentStatus({
  consignments,
  clock,
  audit,
}: {
  consignments: ConsignmentRepository;
  clock: Clock;
  audit: Auditor;
}): ConsignmentService {
  return {
    async status(input, asker) {
      const parsed = ccrnInput.safeParse(input);
      const id = checkCcrn(parsed.success ? parsed.data.ccrn : '');
      let result: Awaited<ReturnType<ConsignmentService['status']>>;
      if (!id.ok) result = fail(id.reason === 'format' ? 'ccrn_format' : 'ccrn_check_digit');
      else {
        const c = await consignments.byCcrn(id.value);
        result = c ? ok({ consignment: consignmentView(c, clock.now()) }) : fail('ccrn_unknown');
      }
      await audit.record(asker, {
        action: 'consignment.status',
        driverNo: null,
        outcome: outcomeOf(result),
        ...(id.ok ? { detail: { ccrn: id.value, ...(result.ok ? { status: result.consignment.status } : {}) } } : {}),
      });
      return result;
    },
  };
}

export function createRegistrationStatus({
  registrations,
  audit,
}: {
  registrations: RegistrationRepository;
  audit: Auditor;
}): RegistrationService {
  return {
    async status(input, asker) {
      const parsed = refInput.safeParse(input);
      const id = checkRegRef(parsed.success ? parsed.data.refNo : '');
      let result: Awaited<ReturnType<RegistrationService['status']>>;
      if (!id.ok) result = fail(id.reason === 'format' ? 'reg_ref_format' : 'reg_ref_check_digit');
      else {
        const r = await registrations.byRef(id.value);
        result = r ? ok({ registration: registrationView(r) }) : fail('reg_ref_unknown');
      }
      await audit.record(asker, {
        action: 'registration.status',
        driverNo: null,
        outcome: outcomeOf(result),
        ...(id.ok ? { detail: { refNo: id.value, ...(result.ok ? { status: result.registration.status } : {}) } } : {}),
      });
      return result;
    },
  };
}
