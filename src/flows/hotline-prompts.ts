/** What the hotline says in its longer prompts, as messages (keys and parameters: channels render them). */
import type { Services } from '../core/services.js';
import type { Msg } from './reply.js';
import { MAX_LISTED } from './hotline-menus.js';
import type { HotlineContext } from './hotline-setup.js';
import {
  digits,
  direction as directionWord,
  f,
  GROUP,
  placeName,
  placeWithHours,
  time,
  tokenStatusMsgs,
  vehicle as vehicleParam,
  type BundleResultInfo,
} from './messages.js';
import { refusalMsg } from './catalogue.js';

/** The SMS confirming a bundle (sent in the caller's language; the channel's renderer makes it text). */
export const confirmationMsg = (result: BundleResultInfo): Msg =>
  f('sms.bundleConfirmation', {
    ref: digits(result.bundleRef, GROUP.bundleRef),
    vehicle: vehicleParam(result.vehicleMark),
    count: result.ccrns.length,
    ccrns: result.ccrns.join(', '),
    time: time(result.earliestCrossingAt),
  });

export function resultMsgs(r: BundleResultInfo): Msg[] {
  const out = [
    f('result.done', { count: r.ccrns.length, vehicle: vehicleParam(r.vehicleMark) }),
    f('result.reference', { ref: digits(r.bundleRef, GROUP.bundleRef) }),
    f('result.earliest', { time: time(r.earliestCrossingAt) }),
  ];
  for (const ccrn of r.lateCcrns) out.push(f('result.late', { ccrn: digits(ccrn, GROUP.ccrn) }));
  return out;
}

export function summaryMsgs(ctx: HotlineContext): Msg[] {
  return [
    f('summary.intro', { count: ctx.ccrns.length, vehicle: vehicleParam(ctx.vehicle ?? '') }),
    ...ctx.ccrns.map((x) => f('summary.item', { ccrn: digits(x.ccrn, GROUP.ccrn), direction: directionWord(x.direction), packages: x.packages })),
    f('summary.prompt'),
  ];
}

export function bundleListMsgs(ctx: HotlineContext): Msg[] {
  const listed = ctx.bundles.slice(0, MAX_LISTED);
  return [
    f('myBundles.count', { count: ctx.bundles.length }),
    ...listed.map((b, i) =>
      f('myBundles.item', {
        n: i + 1,
        ref: digits(b.bundleRef, GROUP.bundleRef),
        vehicle: vehicleParam(b.vehicleMark),
        count: b.count,
        direction: directionWord(b.direction),
        time: time(b.earliestCrossingAt),
      }),
    ),
    f('myBundles.choose'),
  ];
}

/** The prompts that read the directory and the guidance (places open now, what to bring). */
export function infoPrompts(services: Pick<Services, 'directory' | 'guidance'>) {
  const placesOpenNow = () => services.directory.places().filter((p) => p.openNow);
  const openNow = (): Msg[] => {
    const open = placesOpenNow();
    return open.length ? [f('centres.openNow', { count: open.length }), ...open.map((p) => f('centres.place', { name: placeName(p) }))] : [f('centres.noneOpen')];
  };

  const centres = (ctx: HotlineContext): Msg[] => {
    if (ctx.centresView === 'open') return [f('centres.intro'), ...openNow(), f('centres.prompt')];
    const places = services.directory.places({ kind: ctx.centresView });
    return [f(ctx.centresView === 'post_office' ? 'centres.postOffices' : 'centres.controlPoints'), ...places.flatMap(placeWithHours), f('centres.prompt')];
  };

  const token = (ctx: HotlineContext): Msg[] => {
    const info: Msg[] = (() => {
      switch (ctx.tokenInfo) {
        case 'which':
          return [f('token.which')];
        case 'status':
          return ctx.token ? [...tokenStatusMsgs(ctx.token), ...(ctx.token.needsReplacing ? [f('token.replaceHow')] : [])] : [];
        case 'missing':
          return [refusalMsg('token_missing')];
        case 'bring': {
          const g = services.guidance.tokenReplacement();
          return [f('token.bring'), ...g.bring.map((key) => ({ key })), f('token.free')];
        }
        case 'representative': {
          const g = services.guidance.tokenReplacement();
          return [f('token.representative'), ...g.representative.map((key) => ({ key }))];
        }
        case 'where':
          return [f('token.where'), ...openNow(), f('token.whereHours')];
      }
    })();
    return [...info, f('token.prompt')];
  };

  return { centres, token };
}
