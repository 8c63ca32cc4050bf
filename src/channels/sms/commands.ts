/**
 * One-shot SMS commands: one message carries every answer, one reply carries the outcome.
 *
 * Why the services and not the flow runner: a one-shot command has no dialogue to walk. Every rule
 * and refusal of bundling (registered driver, vehicle of that driver, CCRN checks, one direction,
 * token lockout and replay protection, the 10-minute authorisation) lives in the core services the
 * hotline flow calls too, so calling them with the same inputs gives the same outcome, audited the
 * same way. Driving the flow would mean guessing its prompt order from outside and then stripping
 * its "press 1" prompts out of the answer. Keyword-only messages ("BUNDLE") do walk the flow
 * (routes.ts), so step-by-step SMS conversations are the hotline's own.
 *
 * Cheap checks come first so a typo never uses up a token code: format and check digits, the
 * vehicle against the driver's own, and each CCRN through the same `checkCcrn` the flow calls as
 * CCRNs are keyed in. Only then is the code verified (and used up) and the bundle made; the bundle
 * itself re-checks everything atomically.
 */
import type { Clock, Driver, Locale } from '../../core/types.js';
import type { DataPorts } from '../../core/ports.js';
import type { Asker, BundleProblem, ConsignmentView, PlaceView, Services, TokenCodeReason } from '../../core/services.js';
import { CONSIGNMENT_STATUS, CONTEXTS, REGISTRATION_LETTER_VALID_SMS, REGISTRATION_STATUS, refusalMsg, type RefusalParams, type RefusalReason } from '../../flows/catalogue.js';
import type { Msg, MsgParam } from '../../flows/reply.js';
import { checkBundleRef, formatVehicleMark } from '../../core/identifiers.js';
import { maskPhone } from '../../core/mask.js';
import type { SmsCommand } from './parse.js';
import { joinList } from './render.js';
import { lockEnds } from '../../flows/messages.js';
import { hongKongParts } from '../../core/directory.js';

export interface CommandDeps {
  services: Pick<Services, 'consignments' | 'registrations' | 'tokens' | 'bundling' | 'directory'>;
  ports: Pick<DataPorts, 'optOuts' | 'audit'>;
  clock: Clock;
  /** For the link to the centres page in CENTRES; omitted when unset. */
  publicBaseUrl?: string;
}

export interface CommandContext {
  /** Sender, E.164. */
  from: string;
  locale: Locale;
  /** The driver whose registered mobile sent the message, if any. */
  driver: Driver | null;
}

/** What to answer: messages to render, or nothing at all (a repeated STOP). */
export type CommandAnswer = { say: Msg[] } | { silent: true };

/** How many bundles MYBUNDLES lists before "and N more" (keeps the reply within two segments). */
export const MYBUNDLES_SHOWN = 2;

const m = (key: string, params?: Record<string, MsgParam>): Msg => (params ? { key: `sms:${key}`, params } : { key: `sms:${key}` });
const digits = (value: string, group = 4): MsgParam => ({ kind: 'digits', value, group });
const time = (d: Date): MsgParam => ({ kind: 'time', iso: d.toISOString() });
const date = (iso: string): MsgParam => ({ kind: 'date', iso });
const ref = (bundleRef: string): MsgParam => digits(bundleRef, 3);
const say = (...msgs: Msg[]): CommandAnswer => ({ say: msgs });
const vehicles = (d: Driver): string => d.vehicles.map(formatVehicleMark).join(', ');

/** The reply to a refusal `reason` (the catalogue's text), with the identifier it is about. */
export function refusal(reason: RefusalReason, params: RefusalParams = {}): Msg {
  return refusalMsg(reason, params, CONTEXTS.command);
}

export async function runCommand(cmd: Exclude<SmsCommand, { kind: 'lang' | 'menu' }>, ctx: CommandContext, deps: CommandDeps): Promise<CommandAnswer> {
  const asker: Asker = { channel: 'sms', caller: ctx.from };
  switch (cmd.kind) {
    case 'help':
      return say(m('help'));
    case 'status':
      return status(cmd.ccrn, asker, deps);
    case 'reg':
      return registration(cmd.refNo, asker, deps);
    case 'bundle':
      return bundle(cmd, ctx, asker, deps);
    case 'mybundles':
      return myBundles(cmd.code, ctx, asker, deps);
    case 'cancel':
      return cancel(cmd.bundleRef, cmd.code, ctx, asker, deps);
    case 'token':
      return token(ctx, deps);
    case 'centres':
      return say(...centres(deps.services.directory.places(), deps.clock.now(), deps.publicBaseUrl));
    case 'stop':
    case 'start':
      return optOut(cmd.kind === 'stop', ctx.from, deps);
  }
}

/** STOP is confirmed once: a second STOP gets no reply (Twilio or the carrier may block it anyway). */
async function optOut(stop: boolean, from: string, deps: CommandDeps): Promise<CommandAnswer> {
  const now = deps.clock.now();
  const before = await deps.ports.optOuts.set(from, stop, now);
  await deps.ports.audit.record({
    at: now,
    channel: 'sms',
    callerMasked: maskPhone(from),
    driverNo: null,
    action: stop ? 'sms.opt_out' : 'sms.opt_in',
    outcome: before === stop ? 'unchanged' : 'ok',
  });
  if (stop && before) return { silent: true };
  return say(m(stop ? 'stop.done' : 'start.done'));
}

export function consignmentMsg(c: ConsignmentView): Msg {
  const ccrn = digits(c.ccrn);
  switch (c.status) {
    case 'submitted':
      return { key: CONSIGNMENT_STATUS.submitted.sms, params: {
        ccrn,
        direction: { kind: 'key', key: `sms:direction.${c.direction}` },
        packages: c.packages,
        time: time(c.expectedCrossingAt),
      } };
    case 'bundled':
      return { key: CONSIGNMENT_STATUS.bundled.sms, params: {
        ccrn,
        vehicle: formatVehicleMark(c.vehicleMark ?? ''),
        time: time(c.bundledAt ?? c.expectedCrossingAt),
        bundleRef: ref(c.bundleRef ?? ''),
      } };
    case 'crossed':
      return { key: CONSIGNMENT_STATUS.crossed.sms, params: {
        ccrn,
        controlPoint: c.controlPoint ? { kind: 'key', key: `sms:cp.${c.controlPoint}` } : '-',
        time: time(c.crossedAt ?? c.expectedCrossingAt),
      } };
    case 'cancelled':
    case 'expired':
      return { key: CONSIGNMENT_STATUS[c.status].sms, params: { ccrn } };
  }
}

async function status(raw: string, asker: Asker, deps: CommandDeps): Promise<CommandAnswer> {
  const r = await deps.services.consignments.status({ ccrn: raw }, asker);
  if (r.ok) return say(consignmentMsg(r.consignment));
  return say(refusal(r.reason, { ccrn: digits(raw), value: raw }));
}

async function registration(raw: string, asker: Asker, deps: CommandDeps): Promise<CommandAnswer> {
  const r = await deps.services.registrations.status({ refNo: raw }, asker);
  if (!r.ok) return say(refusal(r.reason, { refNo: digits(raw, 5), value: raw }));
  const reg = r.registration;
  const key = reg.status === 'awaiting_visit' && reg.letterStillValid ? REGISTRATION_LETTER_VALID_SMS : REGISTRATION_STATUS[reg.status].sms;
  return say({ key, params: { refNo: digits(reg.refNo, 5) } });
}

/** A refusal about one CCRN: which one, and for a mixed direction which way it goes. */
function ccrnRefusal(reason: RefusalReason, ccrn: string, direction?: string): Msg {
  const params: RefusalParams = { ccrn: digits(ccrn), value: ccrn };
  if (direction) params.direction = { kind: 'key', key: `sms:direction.${direction}` };
  return refusal(reason, params);
}

function tokenRefusal(reason: TokenCodeReason, detail: Record<string, unknown> | undefined): Msg {
  if (reason === 'token_code_wrong') return refusal(reason, { count: Number(detail?.triesLeft ?? 0) });
  if (reason === 'token_locked') return refusal(reason, lockEnds(detail));
  return refusal(reason);
}

async function bundle(
  cmd: Extract<SmsCommand, { kind: 'bundle' }>,
  ctx: CommandContext,
  asker: Asker,
  deps: CommandDeps,
): Promise<CommandAnswer> {
  const driver = ctx.driver;
  if (!driver) return say(refusal('not_driver'));
  const { bundling, tokens } = deps.services;

  const p = await bundling.prepare({ driverNo: driver.driverNo, vehicle: cmd.vehicle, ccrns: cmd.ccrns }, asker);
  if (!p.ok) return say(problemMsg(p.problems[0]!, driver));

  const v = await tokens.verify({ driverNo: driver.driverNo, code: cmd.code }, asker);
  if (!v.ok) return say(tokenRefusal(v.reason, v.detail));

  const b = await bundling.confirm(p.draft, v.authorisation, asker);
  if (!b.ok) return say(problemMsg(b.detail ? { reason: b.reason, detail: b.detail } : { reason: b.reason }, driver));
  const out: Msg[] = [
    m('bundle.done', {
      vehicle: formatVehicleMark(b.bundle.vehicleMark),
      count: b.bundle.ccrns.length,
      bundleRef: ref(b.bundle.bundleRef),
      time: time(b.bundle.earliestCrossingAt),
    }),
  ];
  if (b.lateCcrns.length) out.push(m('bundle.late', { ccrns: b.lateCcrns.map((c) => formatDigitsText(c)).join(', ') }));
  const reminder = await tokenReminder(driver, deps);
  if (reminder) out.push(reminder);
  return { say: out };
}

const formatDigitsText = (value: string): string => value.replace(/(\d{4})(?=\d)/g, '$1 ');

/** One problem of a bundle (the first `prepare` found, or the bundle's refusal), naming its CCRN or the vehicle. */
function problemMsg(p: BundleProblem, driver: Driver): Msg {
  const ccrn = typeof p.detail?.ccrn === 'string' ? p.detail.ccrn : null;
  const typed = typeof p.detail?.vehicleMark === 'string' ? p.detail.vehicleMark : '';
  switch (p.reason) {
    case 'vehicle_missing':
      return refusal(p.reason, { vehicles: vehicles(driver) });
    case 'vehicle_format':
      return refusal(p.reason, { value: typed, vehicles: vehicles(driver) });
    case 'vehicle_not_registered':
      return refusal(p.reason, { vehicle: formatVehicleMark(typed), vehicles: vehicles(driver) });
    case 'token_locked':
      return refusal(p.reason, lockEnds(p.detail));
  }
  if (ccrn) return ccrnRefusal(p.reason, ccrn, typeof p.detail?.direction === 'string' ? p.detail.direction : undefined);
  return refusal(p.reason);
}

/** The hotline's token reminder, after a bundle by SMS: only when the token must be replaced. */
async function tokenReminder(driver: Driver, deps: CommandDeps): Promise<Msg | null> {
  const s = await deps.services.tokens.status({ driverNo: driver.driverNo });
  if (!s.ok || !s.token.needsReplacing || s.token.expired) return null;
  return m('token.reminder', { date: date(s.token.expiresOn) });
}

async function myBundles(code: string, ctx: CommandContext, asker: Asker, deps: CommandDeps): Promise<CommandAnswer> {
  const driver = ctx.driver;
  if (!driver) return say(refusal('not_driver'));
  const v = await deps.services.tokens.verify({ driverNo: driver.driverNo, code }, asker);
  if (!v.ok) return say(tokenRefusal(v.reason, v.detail));
  const r = await deps.services.bundling.activeBundles({ authorisation: v.authorisation });
  if (!r.ok) return say(refusal(r.reason));
  if (r.bundles.length === 0) return say(m('mybundles.none'));
  const out: Msg[] = [m('mybundles.intro')];
  for (const b of r.bundles.slice(0, MYBUNDLES_SHOWN)) {
    out.push(
      m('mybundles.item', {
        bundleRef: ref(b.bundleRef),
        vehicle: formatVehicleMark(b.vehicleMark),
        count: b.ccrns.length,
        time: time(b.earliestCrossingAt),
      }),
    );
  }
  if (r.bundles.length > MYBUNDLES_SHOWN) out.push(m('mybundles.more', { count: r.bundles.length - MYBUNDLES_SHOWN }));
  out.push(m('mybundles.cancel_hint'));
  return { say: out };
}

async function cancel(raw: string, code: string, ctx: CommandContext, asker: Asker, deps: CommandDeps): Promise<CommandAnswer> {
  const driver = ctx.driver;
  if (!driver) return say(refusal('not_driver'));
  const id = checkBundleRef(raw);
  if (!id.ok) return say(refusal(id.reason === 'format' ? 'bundle_ref_format' : 'bundle_ref_check_digit', { bundleRef: ref(raw) }));
  const v = await deps.services.tokens.verify({ driverNo: driver.driverNo, code }, asker);
  if (!v.ok) return say(tokenRefusal(v.reason, v.detail));
  const r = await deps.services.bundling.unbundle({ authorisation: v.authorisation, bundleRef: id.value }, asker);
  if (!r.ok) return say(refusal(r.reason, { bundleRef: ref(id.value) }));
  return say(
    m('cancel.done', { bundleRef: ref(r.bundle.bundleRef), vehicle: formatVehicleMark(r.bundle.vehicleMark), count: r.bundle.ccrns.length }),
  );
}

async function token(ctx: CommandContext, deps: CommandDeps): Promise<CommandAnswer> {
  if (!ctx.driver) return say(m('token.general'), m('token.bring'));
  const s = await deps.services.tokens.status({ driverNo: ctx.driver.driverNo });
  if (!s.ok) return say(refusal(s.reason), m('token.bring'));
  const t = s.token;
  const colour: MsgParam = { kind: 'key', key: `sms:colour.${t.labelColour}` };
  if (t.locked && !t.expired) return say(m('token.locked', lockEnds(t)));
  if (t.expired) return say(m('token.expired', { serial: t.serial, date: date(t.expiresOn) }), m('token.bring'));
  if (t.needsReplacing) return say(m('token.replace', { serial: t.serial, colour, date: date(t.expiresOn) }), m('token.bring'));
  return say(m('token.ok', { serial: t.serial, colour, date: date(t.expiresOn) }));
}

/** CENTRES: the post offices and control-point complexes open now (Hong Kong time), where to see all hours. */
export function centres(places: PlaceView[], now: Date, publicBaseUrl?: string): Msg[] {
  const name = (p: PlaceView): MsgParam => ({ kind: 'key', key: `sms:place.${p.key}` });
  const posts = places.filter((p) => p.kind === 'post_office');
  const openPosts = posts.filter((p) => p.openNow);
  const openCps = places.filter((p) => p.kind === 'control_point' && p.openNow);
  const { minutes } = hongKongParts(now);
  const clock = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  return [
    openPosts.length === 0
      ? m('centres.none_open', { time: clock })
      : openPosts.length === posts.length
        ? m('centres.all_open', { time: clock })
        : m('centres.open_now', { time: clock, places: joinList(openPosts.map(name)) }),
    openCps.length ? m('centres.control_points', { places: joinList(openCps.map(name)) }) : m('centres.no_control_points'),
    publicBaseUrl ? m('centres.more_url', { url: `${publicBaseUrl}/centres` }) : m('centres.more'),
  ];
}
