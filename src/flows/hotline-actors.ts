/** The hotline's service calls, reduced to what the flow keeps: JSON-safe, never a secret. */
import { fromPromise } from 'xstate';
import type { Asker, Services, TokenCodeReason, TokenStatusView } from '../core/services.js';
import type { Authorisation, Direction, Driver, Locale } from '../core/types.js';
import type { FlowDeps } from './flow.js';
import type { Msg } from './reply.js';
import type { BundleInfo, BundleResultInfo, CcrnInfo, ConsignmentInfo, DriverRef, RegistrationInfo } from './messages.js';

const driverRef = (d: Driver): DriverRef => ({ driverNo: d.driverNo, nameEn: d.nameEn, nameZh: d.nameZh, vehicles: [...d.vehicles], locale: d.locale });

const noText = (): string => {
  throw new Error('no text renderer given to the hotline');
};

export type Refused<R extends string = string> = { ok: false; reason: R; detail?: Record<string, unknown> };
const refused = <R extends string>(r: { reason: R; detail?: Record<string, unknown> }): Refused<R> =>
  r.detail ? { ok: false, reason: r.reason, detail: r.detail } : { ok: false, reason: r.reason };

/** The hotline's services as actors; `text` renders the confirmation SMS (flows never call i18n). */
export function createHotlineActors(services: Services, text: FlowDeps['text'] = noText) {
  return {
    lookupCaller: fromPromise<DriverRef | null, { caller: string | null }>(async ({ input }) => {
      if (!input.caller) return null;
      const d = await services.drivers.byMobile(input.caller);
      return d ? driverRef(d) : null;
    }),
    identifyDriver: fromPromise<{ ok: true; driver: DriverRef } | Refused, { driverNo: string }>(async ({ input }) => {
      const r = await services.drivers.identify({ driverNo: input.driverNo });
      return r.ok ? { ok: true, driver: driverRef(r.driver) } : refused(r);
    }),
    tokenStatus: fromPromise<{ ok: true; token: TokenStatusView } | Refused, { driverNo: string }>(async ({ input }) => {
      const r = await services.tokens.status({ driverNo: input.driverNo });
      return r.ok ? { ok: true, token: r.token } : refused(r);
    }),
    verifyCode: fromPromise<{ ok: true; auth: Authorisation } | Refused<TokenCodeReason>, { driverNo: string; code: string; asker: Asker }>(
      async ({ input }) => {
        const r = await services.tokens.verify({ driverNo: input.driverNo, code: input.code }, input.asker);
        return r.ok ? { ok: true, auth: { ...r.authorisation } } : refused(r);
      },
    ),
    checkCcrn: fromPromise<{ ok: true; info: CcrnInfo } | Refused, { ccrn: string; direction: Direction | null; taken: string[]; asker: Asker }>(
      async ({ input }) => {
        const r = await services.bundling.checkCcrn(
          { ccrn: input.ccrn, taken: input.taken, ...(input.direction ? { direction: input.direction } : {}) },
          input.asker,
        );
        if (!r.ok) return refused(r);
        const c = r.consignment;
        return { ok: true, info: { ccrn: c.ccrn, direction: c.direction, packages: c.packages } };
      },
    ),
    createBundle: fromPromise<{ ok: true; result: BundleResultInfo } | Refused, { auth: Authorisation; vehicle: string; ccrns: string[]; asker: Asker }>(
      async ({ input }) => {
        const r = await services.bundling.bundle({ authorisation: input.auth, vehicleMark: input.vehicle, ccrns: input.ccrns }, input.asker);
        if (!r.ok) return refused(r);
        return {
          ok: true,
          result: {
            bundleRef: r.bundle.bundleRef,
            vehicleMark: r.bundle.vehicleMark,
            ccrns: [...r.bundle.ccrns],
            earliestCrossingAt: r.bundle.earliestCrossingAt.toISOString(),
            lateCcrns: [...r.lateCcrns],
          },
        };
      },
    ),
    /** The bundle's confirmation by SMS: the message as text through the channels' renderer (`text`). */
    sendConfirmation: fromPromise<void, { to: string; msg: Msg; locale: Locale }>(async ({ input }) => {
      await services.outbound.sendSms({ to: input.to, body: text(input.msg, input.locale), purpose: 'bundle_confirmation' });
    }),
    activeBundles: fromPromise<{ ok: true; bundles: BundleInfo[] } | Refused, { auth: Authorisation }>(async ({ input }) => {
      const r = await services.bundling.activeBundles({ authorisation: input.auth });
      if (!r.ok) return refused(r);
      return {
        ok: true,
        bundles: r.bundles.map((b) => ({
          bundleRef: b.bundleRef,
          vehicleMark: b.vehicleMark,
          direction: b.direction,
          count: b.ccrns.length,
          earliestCrossingAt: b.earliestCrossingAt.toISOString(),
        })),
      };
    }),
    unbundle: fromPromise<{ ok: true; bundleRef: string } | Refused, { auth: Authorisation; bundleRef: string; asker: Asker }>(async ({ input }) => {
      const r = await services.bundling.unbundle({ authorisation: input.auth, bundleRef: input.bundleRef }, input.asker);
      return r.ok ? { ok: true, bundleRef: r.bundle.bundleRef } : refused(r);
    }),
    // Lookups (src/flows/lookup.ts) take the number asked for and give what to say about it.
    consignmentStatus: fromPromise<{ ok: true; info: ConsignmentInfo } | Refused, { number: string; asker: Asker }>(async ({ input }) => {
      const r = await services.consignments.status({ ccrn: input.number }, input.asker);
      // The refusal names the CCRN, so the caller hears which one to check.
      if (!r.ok) return refused({ reason: r.reason, detail: { ...r.detail, ccrn: input.number } });
      const c = r.consignment;
      return {
        ok: true,
        info: {
          ccrn: c.ccrn,
          direction: c.direction,
          packages: c.packages,
          status: c.status,
          vehicleMark: c.vehicleMark,
          bundledAt: c.bundledAt ? c.bundledAt.toISOString() : null,
          crossedAt: c.crossedAt ? c.crossedAt.toISOString() : null,
          controlPoint: c.controlPoint,
        },
      };
    }),
    registrationStatus: fromPromise<{ ok: true; info: RegistrationInfo } | Refused, { number: string; asker: Asker }>(async ({ input }) => {
      const r = await services.registrations.status({ refNo: input.number }, input.asker);
      if (!r.ok) return refused(r);
      const g = r.registration;
      return { ok: true, info: { refNo: g.refNo, status: g.status, letterStillValid: g.letterStillValid } };
    }),
  };
}

export const asker = (ctx: Asker): Asker => ({ channel: ctx.channel, caller: ctx.caller });
