/**
 * The SMS segment budget: replies fit two segments (GSM-7 306 / UCS-2 134 characters) where they
 * can. Measured three ways, in each language:
 * 1. every template of sms.json alone, with the longest realistic values;
 * 2. every reply the commands build (several templates together), on worst-case data;
 * 3. the hotline flow's replies as the SMS channel renders them, walked through every menu.
 * Where a reply cannot fit, the case says which and why, and asserts its own limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Bundle, Driver, Locale } from '../../../src/core/types.js';
import { LOCALES, ok } from '../../../src/core/types.js';
import type { MsgParam } from '../../../src/flows/reply.js';
import { dammCheckDigit, makeBundleRef } from '../../../src/core/identifiers.js';
import { createDirectory } from '../../../src/core/directory.js';
import { runCommand, type CommandDeps } from '../../../src/channels/sms/commands.js';
import { joinList, renderMessages, renderMsg } from '../../../src/channels/sms/render.js';
import { countSegments } from '../../../src/channels/sms/segments.js';
import type { SmsCommand } from '../../../src/channels/sms/parse.js';
import { DEMO, openHarness, sendSms, type Harness } from './harness.js';

const TWO = 2;
const fits = (text: string, max = TWO) => {
  const c = countSegments(text);
  return { ...c, ok: c.segments <= max && c.segments > 0, text };
};

// ---- 1. templates --------------------------------------------------------------------------------

const flat = (o: Record<string, unknown>, p = ''): [string, string][] =>
  Object.entries(o).flatMap(([k, v]) => (typeof v === 'string' ? [[p + k, v] as [string, string]] : flat(v as Record<string, unknown>, `${p}${k}.`)));

// The post offices that can be open at once without all twelve being open: weekdays 17:00-17:30
// (GPO, Tsim Sha Tsui, Mong Kok, Cheung Sha Wan, Kwun Tong, Fo Tan, Shek Wu Hui). Between 9:30 and
// 17:00 all twelve are open, which CENTRES says in one short sentence.
const MOST_OPEN_AT_ONCE = ['gpo', 'tsim_sha_tsui', 'mong_kok', 'cheung_sha_wan', 'kwun_tong', 'fo_tan', 'shek_wu_hui'];
const CONTROL_POINTS = ['lok_ma_chau', 'man_kam_to', 'shenzhen_bay', 'heung_yuen_wai', 'hzmb'];
const PUBLIC_URL = 'https://rocars-channels.customs.gov.hk';
const place = (k: string): MsgParam => ({ kind: 'key', key: `sms:place.${k}` });

/** The longest value each placeholder realistically takes. */
function longest(name: string, key: string): MsgParam {
  switch (name) {
    case 'ccrn':
      return { kind: 'digits', value: '261100000013' };
    case 'ccrns': // late CCRNs after a bundle: two is already unusual
      return '2611 0000 0084, 2611 0000 0092';
    case 'value': // what the sender typed, cut to 20 characters by the route
      return '26110000001326110000...';
    case 'refNo':
      return { kind: 'digits', value: '2026110012', group: 5 };
    case 'driverNo':
      return { kind: 'digits', value: '41000024' };
    case 'bundleRef':
      return { kind: 'digits', value: '261100013', group: 3 };
    case 'vehicle': // a personalised mark takes up to 8 characters
      return 'HKTRUCK8';
    case 'vehicles':
      return 'AB 1234, CD 5678, EF 901, GH 2468';
    case 'time':
    case 'until': // when a token lock ends
    case 'at': // when it started
      return key.startsWith('centres.') ? '17:15' : { kind: 'time', iso: '2026-09-30T15:59:00Z' };
    case 'date':
      return { kind: 'date', iso: '2026-09-30' };
    case 'count':
      return key.startsWith('refusal.token_code_wrong') ? 4 : 20;
    case 'max':
      return 20;
    case 'expected':
      return { kind: 'key', key: 'common:direction.inbound' };
    case 'packages':
      return 9999;
    case 'direction':
      return { kind: 'key', key: 'sms:direction.outbound' };
    case 'controlPoint':
      return { kind: 'key', key: 'sms:cp.hzmb' };
    case 'colour':
      return { kind: 'key', key: 'sms:colour.purple' };
    case 'serial':
      return 'T00010002';
    case 'places':
      return joinList((key === 'centres.open_now' ? MOST_OPEN_AT_ONCE : CONTROL_POINTS).map(place));
    case 'url':
      return `${PUBLIC_URL}/centres`;
    case 'key':
      return '1';
    case 'label':
      return 'bundling, or to hear and cancel your bundles';
    default:
      throw new Error(`no longest value for {{${name}}} in ${key}`);
  }
}

const smsJson = (lng: Locale) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../../locales/${lng}/sms.json`, import.meta.url)), 'utf8')) as Record<string, unknown>;
/** The catalogue's refusals as SMS sends them: one-shot replies (`_command`) and conversations (bare keys), not the web's. */
const smsRefusals = (lng: Locale): Record<string, unknown> => {
  const all = (JSON.parse(readFileSync(fileURLToPath(new URL(`../../../locales/${lng}/common.json`, import.meta.url)), 'utf8')) as { refusal: Record<string, string> }).refusal;
  return { refusal: Object.fromEntries(Object.entries(all).filter(([k]) => !/_html(_one)?$/.test(k))) };
};

describe('SMS segment budget: each template of sms.json', () => {
  it.each(LOCALES)('fits two segments in %s with the longest realistic values', (lng) => {
    const over: string[] = [];
    let measured = 0;
    const templates = [...flat(smsJson(lng)).map(([k, t]) => ['sms', k, t]), ...flat(smsRefusals(lng)).map(([k, t]) => ['common', k, t])];
    for (const [ns, key, template] of templates as [string, string, string][]) {
      const names = [...template.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!);
      const params = Object.fromEntries(names.map((n) => [n, longest(n, key)]));
      if (key.endsWith('_one')) params.count = 1;
      const command = /_command(_one)?$/.test(key);
      const base = key.replace(/_one$/, '').replace(/_command$/, '');
      const r = fits(renderMsg({ key: `${ns}:${base}`, params, ...(command ? { context: 'command' } : {}) }, lng));
      measured++;
      if (!r.ok) over.push(`${key}: ${r.segments} segments (${r.units} ${r.encoding}): ${r.text}`);
    }
    expect(measured).toBeGreaterThan(80);
    expect(over).toEqual([]);
  });

  it('keeps English replies in GSM-7 (a single curly quote would halve the room)', () => {
    const nonGsm = flat(smsJson('en')).filter(([, t]) => countSegments(t).encoding !== 'GSM-7');
    expect([...nonGsm, ...flat(smsRefusals('en')).filter(([, t]) => countSegments(t).encoding !== 'GSM-7')]).toEqual([]);
  });
});

// ---- 2. whole command replies on worst-case data --------------------------------------------------

const ccrnAt = (n: number) => {
  const body = '2611' + String(n).padStart(7, '0');
  return body + dammCheckDigit(body);
};
const TWENTY = Array.from({ length: 20 }, (_, i) => ccrnAt(100 + i));
const at = new Date('2026-09-30T15:59:00Z');

function bundleOf(n: number): Bundle {
  return {
    bundleRef: makeBundleRef(`2611000${n}`),
    driverNo: '41000024',
    vehicleMark: 'HKTRUCK8',
    direction: 'outbound',
    ccrns: TWENTY,
    createdAt: at,
    earliestCrossingAt: at,
    status: 'active',
    channel: 'sms',
  };
}

const driver: Driver = {
  driverNo: '41000024',
  nameEn: 'LEE Siu Ming',
  nameZh: '李小明',
  mobile: '+85262345678',
  smsCapable: true,
  locale: 'en',
  idDocumentType: 'hkid',
  idDocumentNumber: 'CA1823611',
  vehicles: ['HKTRUCK8', 'AB1234', 'CD5678', 'EF901'],
  demo: true,
};

function worstDeps(now: Date, token: { needsReplacing: boolean; expired: boolean; locked: boolean } = { needsReplacing: true, expired: false, locked: false }): CommandDeps {
  const view = (ccrn: string) => ({
    ccrn,
    direction: 'outbound' as const,
    status: 'submitted' as const,
    packages: 9999,
    expectedCrossingAt: at,
    vehicleMark: null,
    bundleRef: null,
    bundledAt: null,
    crossedAt: null,
    controlPoint: null,
  });
  const auth = { driverNo: driver.driverNo, serial: 'T00010002', until: now.getTime() + 600_000 };
  const services = {
    consignments: { status: async () => ok({ consignment: view(TWENTY[0]!) }) },
    registrations: {
      status: async () => ok({ registration: { refNo: '2026110012', applicantType: 'truck_driver', status: 'awaiting_visit' as const, letterStillValid: true, note: null } }),
    },
    tokens: {
      verify: async () => ok({ authorisation: auth }),
      status: async () => ok({ token: { serial: 'T00010002', labelColour: 'purple', expiresOn: '2026-09-30', daysLeft: 20, ...token } }),
      unlock: async () => ok({ serial: 'T00010002' }),
    },
    bundling: {
      checkCcrn: async ({ ccrn }: { ccrn: string }) => ok({ consignment: view(ccrn) }),
      prepare: async ({ vehicle, ccrns }: { vehicle: string; ccrns: string[] }) =>
        ok({ draft: { driverNo: driver.driverNo, vehicleMark: vehicle, direction: 'outbound', ccrns, consignments: ccrns.map(view), lateCcrns: [] } }),
      confirm: async () => ok({ bundle: bundleOf(0), lateCcrns: [TWENTY[0]!, TWENTY[1]!] }),
      bundle: async () => ok({ bundle: bundleOf(0), lateCcrns: [TWENTY[0]!, TWENTY[1]!] }),
      activeBundles: async () => ok({ bundles: [1, 2, 3, 4, 5].map(bundleOf) }),
      unbundle: async () => ok({ bundle: bundleOf(0) }),
    },
    directory: createDirectory({ clock: { now: () => now } }),
  };
  return {
    services: services as unknown as CommandDeps['services'],
    ports: {
      optOuts: { set: async () => false, isOptedOut: async () => false },
      audit: { record: async () => {}, list: async () => [], purgeBefore: async () => 0 },
    },
    clock: { now: () => now },
    publicBaseUrl: PUBLIC_URL,
  };
}

type Case = [name: string, cmd: Exclude<SmsCommand, { kind: 'lang' | 'menu' }>, opts?: { asStranger?: boolean; now?: Date; token?: Parameters<typeof worstDeps>[1] }];

const weekday1715 = new Date('2026-12-07T09:15:00Z'); // Monday 17:15 in Hong Kong: seven post offices open
const CASES: Case[] = [
  ['HELP', { kind: 'help' }],
  ['STATUS', { kind: 'status', ccrn: TWENTY[0]! }],
  ['REG (letter still valid)', { kind: 'reg', refNo: '2026110012' }],
  ['BUNDLE: 20 CCRNs, two late, token reminder', { kind: 'bundle', vehicle: 'HKTRUCK8', ccrns: TWENTY, code: '123456' }],
  ['MYBUNDLES: five bundles of 20', { kind: 'mybundles', code: '123456' }],
  ['CANCEL', { kind: 'cancel', bundleRef: '261100013', code: '123456' }],
  ['TOKEN: needs replacing, what to bring', { kind: 'token' }],
  ['TOKEN: expired', { kind: 'token' }, { token: { needsReplacing: true, expired: true, locked: false } }],
  ['TOKEN: from a number that is no driver’s', { kind: 'token' }, { asStranger: true }],
  ['CENTRES: seven post offices open', { kind: 'centres' }, { now: weekday1715 }],
  ['CENTRES: all open', { kind: 'centres' }, { now: new Date('2026-12-07T03:00:00Z') }],
  ['CENTRES: at night', { kind: 'centres' }, { now: new Date('2026-12-07T16:00:00Z') }],
  ['STOP', { kind: 'stop' }],
  ['START', { kind: 'start' }],
];

describe('SMS segment budget: whole command replies', () => {
  for (const lng of LOCALES) {
    it.each(CASES)(`%s fits two segments in ${lng}`, async (_, cmd, opts = {}) => {
      const now = opts.now ?? new Date('2026-12-07T02:00:00Z');
      const answer = await runCommand(cmd, { from: '+85262345678', locale: lng, driver: opts.asStranger ? null : { ...driver, locale: lng } }, worstDeps(now, opts.token));
      if ('silent' in answer) throw new Error('expected a reply');
      const r = fits(renderMessages(answer.say, lng));
      expect(r.ok, `${r.segments} segments (${r.units} ${r.encoding}):\n${r.text}`).toBe(true);
    });
  }
});

// ---- 3. the hotline flow, rendered for SMS ---------------------------------------------------------

/**
 * Flow replies that cannot fit two segments, with why. The flow (src/flows, shared with the voice
 * channel) owns these texts; the allowance is what they take today, so a longer text fails here.
 * - listing the 17 places open now, and the opening hours of the 12 post offices / 5 control
 *   points: one line per place, far beyond any two segments;
 * - the token menu's explanation (which tokens, labels, the date on the back) before its menu, and
 *   its lists of what to bring and of the conditions for a representative;
 * - a driver's list of bundles (each with ref, vehicle, direction, count and time);
 * - a refusal said in front of the whole main menu.
 */
const STEPS: { from: string; body: string | ((h: Harness) => string); allow?: number; why?: string }[] = [];
const step = (from: string, body: string | ((h: Harness) => string), allow?: number, why?: string) =>
  STEPS.push({ from, body, ...(allow ? { allow } : {}), ...(why ? { why } : {}) });

function walk(lang: 'en' | 'zh-HK' | 'zh-CN') {
  const who = { en: '+85260001001', 'zh-HK': '+85260001002', 'zh-CN': '+85260001003' }[lang];
  const langWord = { en: 'LANG EN', 'zh-HK': 'LANG 繁', 'zh-CN': 'LANG 简' }[lang];
  step(who, langWord);
  step(who, 'MENU');
  step(who, '1');
  step(who, '1', 3, 'refusal + main menu');
  step(who, '2');
  for (const c of [DEMO.ccrn.in1, DEMO.ccrn.bundled, DEMO.ccrn.crossed, DEMO.ccrn.expired, DEMO.ccrn.cancelled]) {
    step(who, c);
    step(who, '1');
  }
  step(who, '261100000014');
  step(who, 'MENU');
  step(who, '3');
  for (const r of Object.values(DEMO.reg)) {
    step(who, r);
    step(who, '1');
  }
  step(who, 'MENU');
  step(who, '4', 3, 'token explanation + menu');
  step(who, '2', 3, 'the four things to bring + menu');
  step(who, '9');
  step(who, '4', 3, 'token explanation + menu');
  step(who, '3', 4, 'the five conditions for a representative + menu');
  step(who, '9');
  step(who, '4', 3, 'token explanation + menu');
  step(who, '4', 6, 'places open now');
  step(who, 'MENU');
  step(who, '5', 6, 'places open now');
  step(who, '1', 10, 'hours of 12 post offices');
  step(who, '2', 4, 'hours of 5 control points');
  step(who, '9');
  step(who, '7');
  step(who, '0');
}

function driverWalk(d: { mobile: string; secret: string }, vehicleKey: string, ccrns: string[]) {
  step(d.mobile, 'BUNDLE');
  step(d.mobile, (h) => h.nextCode(d.secret));
  step(d.mobile, vehicleKey);
  for (const c of ccrns) step(d.mobile, c);
  step(d.mobile, DEMO.ccrn.cancelled);
  step(d.mobile, '#');
  step(d.mobile, '1');
  step(d.mobile, '1');
  step(d.mobile, 'MENU');
  step(d.mobile, '1');
  step(d.mobile, '2');
  step(d.mobile, (h) => h.nextCode(d.secret), 3, 'a list of bundles');
  step(d.mobile, '1');
  step(d.mobile, '1', 3, 'cancelled + a list of bundles');
  step(d.mobile, 'MENU');
  step(d.mobile, '4', 3, 'token explanation + menu');
  step(d.mobile, '1');
}

walk('en');
walk('zh-HK');
walk('zh-CN');
driverWalk(DEMO.lee, '1', [DEMO.ccrn.in1, DEMO.ccrn.in2]);
driverWalk(DEMO.chan, '1', [DEMO.ccrn.out1, DEMO.ccrn.out2]);

describe('SMS segment budget: the hotline flow as SMS', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness({ start: new Date('2026-12-07T02:00:00Z'), sms: { rateLimit: { limit: 10_000, windowSeconds: 60 } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('fits two segments except where a list of places or hours cannot', async () => {
    const over: string[] = [];
    const report: string[] = [];
    for (const s of STEPS) {
      const body = typeof s.body === 'function' ? s.body(h) : s.body;
      const r = await sendSms(h.app, s.from, body);
      expect(r.status).toBe(200);
      const text = r.messages[0] ?? '';
      const c = fits(text, s.allow ?? TWO);
      if (c.segments > TWO) report.push(`${c.segments} segments (${c.units} ${c.encoding}) after "${body}": ${s.why ?? 'no allowance'}`);
      if (!c.ok) over.push(`after "${body}" from ${s.from}: ${c.segments} segments (${c.units} ${c.encoding}), allowed ${s.allow ?? TWO}:\n${text}`);
    }
    if (report.length) console.info(`flow replies longer than two segments:\n${report.join('\n')}`);
    expect(over).toEqual([]);
  });
});
