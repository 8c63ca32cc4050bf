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
import { errorText, type T } from '../src/channels/web/pages.js';

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
