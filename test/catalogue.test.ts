/**
 * The message catalogue (src/flows/catalogue.ts): every refusal reason of every core outcome, in
 * every language, through every renderer, reads as a text: never an i18next key, never an unfilled
 * {{placeholder}}, never empty. A renderer is one line of RENDERERS: a new channel adds its own.
 */
import { describe, expect, it } from 'vitest';
import { LOCALES, type Locale } from '../src/core/types.js';
import { CONTEXTS, REFUSAL_FORMS, REFUSAL_REASONS, refusalMsg, type RefusalForm, type RefusalReason } from '../src/flows/catalogue.js';
import type { Msg, MsgParam } from '../src/flows/reply.js';
import { formatDigits, formatTime, render, tFor } from '../src/i18n.js';
import { renderMsg } from '../src/channels/sms/render.js';
import { consignmentLine, errorText, registrationLine, type T, type View } from '../src/channels/web/pages.js';
import { consignmentMsg } from '../src/channels/sms/commands.js';
import { consignmentStatusMsgs, registrationMsgs } from '../src/flows/messages.js';
import { CONSIGNMENT_STATUS, REGISTRATION_LETTER_VALID_SMS, REGISTRATION_STATUS } from '../src/flows/catalogue.js';
import type { ConsignmentView } from '../src/core/services.js';
import type { ConsignmentStatus, RegistrationStatus } from '../src/core/types.js';

/** Every placeholder a refusal may name, with a value of the kind its channel passes. */
const PARAMS: Record<string, MsgParam> = {
  ccrn: { kind: 'digits', value: '261100000013' },
  refNo: { kind: 'digits', value: '2026110012', group: 5 },
  bundleRef: { kind: 'digits', value: '261100013', group: 3 },
  driverNo: { kind: 'digits', value: '41000024' },
  value: '2611-0000-001',
  vehicle: 'AB 1234',
  vehicles: 'AB 1234, CD 5678',
  direction: { kind: 'key', key: 'common:direction.outbound' },
  expected: { kind: 'key', key: 'common:direction.inbound' },
  max: 20,
  count: 3,
  until: { kind: 'time', iso: '2026-12-07T02:15:00Z' },
};

/** The web passes strings: what its routes put in a field error. */
const asText = (p: MsgParam, locale: Locale): string | number => {
  if (typeof p !== 'object') return p;
  switch (p.kind) {
    case 'digits':
      return formatDigits(p.value, 'text', p.group ?? 4);
    case 'time':
      return formatTime(p.iso, locale);
    case 'date':
      return p.iso;
    case 'key':
      return String(tFor(locale)(p.key));
  }
};

/** How each channel turns a catalogue message into what its user reads or hears; a new channel adds a line. */
const RENDERERS: Record<string, (msg: Msg, locale: Locale) => string> = {
  voice: (msg, locale) => render(msg, locale, 'voice'),
  'sms conversation': (msg, locale) => renderMsg(msg, locale),
  'sms command': (msg, locale) => renderMsg({ ...msg, context: CONTEXTS.command }, locale),
  web: (msg, locale) => {
    const i18nT = tFor(locale);
    const t: T = (key, params) => String(i18nT(key, params as never));
    const params = Object.fromEntries(Object.entries(msg.params ?? {}).map(([k, p]) => [k, asText(p, locale)]));
    return errorText({ locale, t, path: '/', csrf: '' }, { field: 'f', key: msg.key, params });
  },
};

const ALL: (RefusalReason | RefusalForm)[] = [...REFUSAL_REASONS, ...(Object.keys(REFUSAL_FORMS) as RefusalForm[])];

describe('message catalogue', () => {
  it('names every reason once, each with its own common:refusal key', () => {
    const keys = ALL.map((r) => refusalMsg(r).key);
    expect(new Set(keys).size).toBe(ALL.length);
    for (const k of keys) expect(k).toMatch(/^common:refusal\.\w+$/);
  });

  for (const [renderer, renderFn] of Object.entries(RENDERERS)) {
    for (const locale of LOCALES) {
      it(`has a text for every refusal in ${locale} for ${renderer}`, () => {
        const bad: string[] = [];
        for (const reason of ALL) {
          for (const count of [1, 3]) {
            const text = renderFn(refusalMsg(reason, { ...PARAMS, count }), locale);
            if (!text.trim() || /refusal\.|common:|\{\{|\}\}/.test(text)) bad.push(`${reason} (count ${count}): ${JSON.stringify(text)}`);
          }
        }
        expect(bad).toEqual([]);
      });
    }
  }

  it('speaks, texts and shows a refusal in the wording of each channel where it must differ', () => {
    const msg = refusalMsg('no_ccrns');
    const [voice, conversation, command, web] = (['voice', 'sms conversation', 'sms command', 'web'] as const).map((r) => RENDERERS[r]!(msg, 'en'));
    expect(voice).toBe('You have not entered any CCRN yet.');
    expect(conversation).toBe('You have not entered any CCRN yet.');
    expect(command).toMatch(/^No CCRN given\. Send: BUNDLE/);
    expect(web).toBe('Enter at least one CCRN.');
    // One meaning of ccrn_bundled everywhere: who can undo it (the driver of that bundle, or an agent).
    for (const r of ['voice', 'sms command', 'web']) expect(RENDERERS[r]!(refusalMsg('ccrn_bundled', PARAMS), 'en')).toMatch(/the driver of that bundle can cancel it/i);
  });
});

const viewOf = (locale: Locale): View => {
  const i18nT = tFor(locale);
  return { locale, t: (key, params) => String(i18nT(key, params as never)), path: '/', csrf: '' };
};
const consignment = (status: ConsignmentStatus): ConsignmentView => ({
  ccrn: '261100000013',
  direction: 'inbound',
  status,
  packages: 12,
  expectedCrossingAt: new Date('2026-12-07T02:00:00Z'),
  vehicleMark: status === 'bundled' || status === 'crossed' ? 'AB1234' : null,
  bundleRef: status === 'bundled' || status === 'crossed' ? '261100013' : null,
  bundledAt: status === 'bundled' || status === 'crossed' ? new Date('2026-12-07T01:00:00Z') : null,
  crossedAt: status === 'crossed' ? new Date('2026-12-07T03:00:00Z') : null,
  controlPoint: status === 'crossed' ? 'shenzhen_bay' : null,
});
const info = (c: ConsignmentView) => ({
  ...c,
  bundledAt: c.bundledAt?.toISOString() ?? null,
  crossedAt: c.crossedAt?.toISOString() ?? null,
});

/** Each channel's own builder of a status result, over every status of the core's unions. */
const STATUS_RENDERERS: Record<string, { consignment: (c: ConsignmentView, l: Locale) => string; registration: (s: RegistrationStatus, letter: boolean, l: Locale) => string }> = {
  voice: {
    consignment: (c, l) => consignmentStatusMsgs(info(c)).map((m) => render(m, l, 'voice')).join('\n'),
    registration: (status, letter, l) => registrationMsgs({ refNo: '2026110012', status, letterStillValid: letter }).map((m) => render(m, l, 'voice')).join('\n'),
  },
  sms: {
    consignment: (c, l) => renderMsg(consignmentMsg(c), l),
    registration: (status, letter, l) =>
      renderMsg({ key: letter && status === 'awaiting_visit' ? REGISTRATION_LETTER_VALID_SMS : REGISTRATION_STATUS[status].sms, params: { refNo: { kind: 'digits', value: '2026110012', group: 5 } } }, l),
  },
  web: {
    consignment: (c, l) => consignmentLine(viewOf(l), c),
    registration: (status, _letter, l) => registrationLine(viewOf(l), { refNo: '2026110012', status }),
  },
};

describe('status catalogue', () => {
  for (const [renderer, r] of Object.entries(STATUS_RENDERERS)) {
    for (const locale of LOCALES) {
      it(`has a text for every consignment and registration status in ${locale} for ${renderer}`, () => {
        const bad: string[] = [];
        const check = (what: string, text: string) => {
          if (!text.trim() || /(^|\s)(common|sms|web|flow):|status\.|\{\{|\}\}/.test(text)) bad.push(`${what}: ${JSON.stringify(text)}`);
        };
        for (const s of Object.keys(CONSIGNMENT_STATUS) as ConsignmentStatus[]) check(s, r.consignment(consignment(s), locale));
        for (const s of Object.keys(REGISTRATION_STATUS) as RegistrationStatus[]) for (const letter of [false, true]) check(`${s}${letter ? ' (letter)' : ''}`, r.registration(s, letter, locale));
        expect(bad).toEqual([]);
      });
    }
  }
});
