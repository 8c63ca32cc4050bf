/**
 * Message builders shared by flows: keys and parameters only (renderers call `t`). The JSON-safe
 * shapes a flow keeps in its context live here too, since persisted snapshots hold them.
 */
import type { ConsignmentStatus, ControlPointKey, Direction, Locale, RegistrationStatus } from '../core/types.js';
import type { BundleReason, PlaceView, TokenCodeReason, TokenStatusView } from '../core/services.js';
import { formatVehicleMark } from '../core/identifiers.js';
import type { Msg, MsgParam } from './reply.js';
import { CONSIGNMENT_STATUS, REGISTRATION_STATUS, refusalMsg } from './catalogue.js';

/** A `flow:` message. */
export const f = (key: string, params?: Record<string, MsgParam>): Msg => (params ? { key: `flow:${key}`, params } : { key: `flow:${key}` });
/** A `common:` message. */
export const c = (key: string, params?: Record<string, MsgParam>): Msg => (params ? { key: `common:${key}`, params } : { key: `common:${key}` });

export const digits = (value: string, group = 4): MsgParam => ({ kind: 'digits', value, group });
export const time = (iso: string): MsgParam => ({ kind: 'time', iso });
export const date = (iso: string): MsgParam => ({ kind: 'date', iso });
export const word = (key: string, params?: Record<string, MsgParam>): MsgParam => (params ? { kind: 'key', key, params } : { kind: 'key', key });
/** Vehicle marks are spelt out by voice ("C D 5 6 7 8") and written "CD 5678". */
export const vehicle = (mark: string): MsgParam => ({ kind: 'digits', value: formatVehicleMark(mark), group: 16 });
export const direction = (d: Direction): MsgParam => word(`common:direction.${d}`);

/** The groups numbers are read in. */
export const GROUP = { ccrn: 4, driverNo: 4, regRef: 5, bundleRef: 3 } as const;

/** The driver as the flow keeps them: never an ID document number. */
export interface DriverRef {
  driverNo: string;
  nameEn: string;
  nameZh: string;
  vehicles: string[];
  locale: Locale;
}


export interface CcrnInfo {
  ccrn: string;
  direction: Direction;
  packages: number;
}

export interface ConsignmentInfo extends CcrnInfo {
  status: ConsignmentStatus;
  vehicleMark: string | null;
  /** ISO instants. */
  bundledAt: string | null;
  crossedAt: string | null;
  controlPoint: ControlPointKey | null;
}

export interface RegistrationInfo {
  refNo: string;
  status: RegistrationStatus;
  letterStillValid: boolean;
}

export interface BundleResultInfo {
  bundleRef: string;
  vehicleMark: string;
  ccrns: string[];
  earliestCrossingAt: string;
  lateCcrns: string[];
}

export interface BundleInfo {
  bundleRef: string;
  vehicleMark: string;
  direction: Direction;
  count: number;
  earliestCrossingAt: string;
}

/** "CCRN 2611 0000 0013: inbound, 12 packages." */
export const ccrnReadBack = (x: CcrnInfo): Msg =>
  f('ccrn.accepted', { ccrn: digits(x.ccrn, GROUP.ccrn), direction: direction(x.direction), packages: x.packages });

/** DESIGN.md's status words: "not yet bundled", "bundled with vehicle AB 1234", "crossed at Shenzhen Bay", ... */
export function consignmentStatusWord(x: ConsignmentInfo): MsgParam {
  switch (x.status) {
    case 'bundled':
      return x.vehicleMark && x.bundledAt
        ? word(CONSIGNMENT_STATUS.bundled.word, { vehicle: vehicle(x.vehicleMark), time: time(x.bundledAt) })
        : word('common:status.consignment.bundled_plain');
    case 'crossed':
      return x.controlPoint && x.crossedAt
        ? word(CONSIGNMENT_STATUS.crossed.word, { place: word(`common:place.${x.controlPoint}`), time: time(x.crossedAt) })
        : word('common:status.consignment.crossed_plain');
    default:
      return word(CONSIGNMENT_STATUS[x.status].word);
  }
}

export function consignmentStatusMsgs(x: ConsignmentInfo): Msg[] {
  const out = [
    f('consignment.result', {
      ccrn: digits(x.ccrn, GROUP.ccrn),
      direction: direction(x.direction),
      packages: x.packages,
      status: consignmentStatusWord(x),
    }),
  ];
  // What to do next, where there is something to do.
  if (x.status === 'expired') out.push(f('consignment.advice.expired'));
  if (x.status === 'cancelled') out.push(f('consignment.advice.cancelled'));
  if (x.status === 'bundled') out.push(f('consignment.advice.bundled'));
  return out;
}

export function registrationMsgs(x: RegistrationInfo): Msg[] {
  const out = [f('registration.result', { ref: digits(x.refNo, GROUP.regRef), status: word(REGISTRATION_STATUS[x.status].word) })];
  if (x.letterStillValid && x.status === 'awaiting_visit') out.push(f('registration.letterValid'));
  if (x.status === 'more_info_required') out.push(f('registration.advice.moreInfo'));
  if (x.status === 'rejected') out.push(f('registration.advice.rejected'));
  return out;
}

export const KNOWN_COLOURS = ['purple', 'green', 'blue', 'red', 'orange', 'yellow', 'white', 'black', 'grey', 'silver'] as const;
const colour = (c: string): MsgParam =>
  (KNOWN_COLOURS as readonly string[]).includes(c.toLowerCase()) ? word(`common:colour.${c.toLowerCase()}`) : c;

/** When a token's lock ends (`detail.lockedUntil` of a `token_locked` refusal, or a status view's), as a time to say. */
export const lockEnds = (detail: { lockedUntil?: unknown } | null | undefined): Record<string, MsgParam> => ({
  until: time(String(detail?.lockedUntil)),
});

export function tokenStatusMsgs(t: TokenStatusView): Msg[] {
  const p = { colour: colour(t.labelColour), date: date(t.expiresOn), days: t.daysLeft };
  if (t.locked) return [f('token.status.locked', lockEnds(t))];
  if (t.expired) return [f('token.status.expired', p)];
  if (t.needsReplacing) return [f('token.status.replaceSoon', p)];
  return [f('token.status.fine', p)];
}

/** A short reminder said right after a driver is identified, when their token must be replaced soon. */
export const tokenReminder = (t: TokenStatusView): Msg =>
  f('token.reminder', { date: date(t.expiresOn), days: t.daysLeft, colour: colour(t.labelColour) });

// Monday first, the way opening hours are read out.
const WEEK = [1, 2, 3, 4, 5, 6, 0] as const;

/** Opening hours as messages: consecutive days with the same hours together ("Monday to Friday, 9:30 to 17:30"). */
export function hoursMsgs(hours: PlaceView['hours']): Msg[] {
  if ('allDay' in hours) return [c('hours.allDay')];
  const spanOf = (d: number) => JSON.stringify(hours.days[d] ?? []);
  const runs: { from: number; to: number; spans: [string, string][] }[] = [];
  for (const d of WEEK) {
    const last = runs[runs.length - 1];
    if (last && spanOf(last.to) === spanOf(d)) last.to = d;
    else runs.push({ from: d, to: d, spans: hours.days[d] ?? [] });
  }
  if (runs.length === 1) {
    const spans = runs[0]!.spans;
    return spans.length ? spans.map(([o, cl]) => c('hours.daily', spanParams(o, cl))) : [c('hours.closed')];
  }
  const out: Msg[] = [];
  for (const r of runs) {
    const days =
      r.from === r.to
        ? word(`common:weekday.${r.from}`)
        : word('common:weekday.range', { from: word(`common:weekday.${r.from}`), to: word(`common:weekday.${r.to}`) });
    if (r.spans.length === 0) out.push(c('hours.closedOn', { days }));
    for (const [o, cl] of r.spans) out.push(c('hours.days', { days, ...spanParams(o, cl) }));
  }
  return out;
}

function spanParams(open: string, close: string): Record<string, MsgParam> {
  return { open: hhmm(open), close: close === '24:00' ? word('common:hours.midnight') : hhmm(close) };
}

/** "09:30" -> "9:30" (a leading zero reads oddly in speech). */
const hhmm = (s: string): string => s.replace(/^0(\d)/, '$1');

export const placeName = (p: Pick<PlaceView, 'key'>): MsgParam => word(`common:place.${p.key}`);

/** A place with its hours. */
export const placeWithHours = (p: PlaceView): Msg[] => [f('centres.place', { name: placeName(p) }), ...hoursMsgs(p.hours)];

/** Why a CCRN or a bundle is refused, and what to do: one message of the catalogue. */
export function bundleRefusal(reason: BundleReason | string, detail?: Record<string, unknown>): Msg {
  const ccrn = typeof detail?.ccrn === 'string' && /^\d{12}$/.test(detail.ccrn) ? digits(detail.ccrn, GROUP.ccrn) : undefined;
  switch (reason) {
    case 'ccrn_bundled':
      return typeof detail?.vehicleMark === 'string'
        ? refusalMsg('ccrn_bundled', { ccrn, vehicle: vehicle(detail.vehicleMark) })
        : refusalMsg('ccrn_bundled_elsewhere', { ccrn });
    case 'direction_mixed':
      return refusalMsg('direction_mixed', {
        ccrn,
        direction: direction(detail?.direction === 'outbound' ? 'outbound' : 'inbound'),
        expected: direction(detail?.expected === 'outbound' ? 'outbound' : 'inbound'),
      });
    case 'too_many_ccrns':
      return refusalMsg('too_many_ccrns', { max: typeof detail?.max === 'number' ? detail.max : 20 });
    case 'ccrn_unknown':
    case 'ccrn_cancelled':
    case 'ccrn_crossed':
    case 'ccrn_expired':
    case 'ccrn_repeated':
      return ccrn ? refusalMsg(reason, { ccrn }) : refusalMsg(`${reason}_plain`);
    case 'ccrn_format':
    case 'ccrn_check_digit':
      return f('miss.ccrn_check_digit');
    case 'token_locked':
      return refusalMsg('token_locked', lockEnds(detail));
    case 'vehicle_not_registered':
    case 'token_expired':
    case 'token_missing':
    case 'driver_unknown':
    case 'no_ccrns':
    case 'not_authorised':
      return refusalMsg(reason);
    default:
      return refusalMsg('other');
  }
}

/** Token-code refusals that end the attempt (the caller cannot go on with this token). */
export function tokenBlock(reason: TokenCodeReason, detail?: Record<string, unknown>): Msg[] {
  switch (reason) {
    case 'token_locked':
      return [detail?.justLocked ? f('code.lockedNow', lockEnds(detail)) : refusalMsg('token_locked', lockEnds(detail))];
    case 'token_expired':
      return [refusalMsg('token_expired'), f('token.replaceHow')];
    case 'token_missing':
      return [refusalMsg('token_missing')];
    default:
      return [refusalMsg('other')];
  }
}
