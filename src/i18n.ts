/**
 * i18next over `locales/<lng>/<namespace>.json`. Only renderers call `t`; flows produce keys.
 * Channel wording goes through i18next context: `prompt_voice` / `prompt_text` fall back to `prompt`.
 */
import i18next, { type TFunction } from 'i18next';
import type { Locale } from './core/types.js';
import type { Msg, MsgParam } from './flows/reply.js';
import { RESOURCES } from './locales.js';

export type Mode = 'voice' | 'text';

let instance: typeof i18next | null = null;

/** One shared, initialised i18next instance (synchronous: resources are bundled in). */
export function i18n(): typeof i18next {
  if (instance) return instance;
  const resources = RESOURCES;
  const inst = i18next.createInstance();
  void inst.init({
    resources,
    lng: 'en',
    fallbackLng: false,
    ns: Object.keys(resources.en),
    defaultNS: 'common',
    interpolation: { escapeValue: false },
    returnNull: false,
    initAsync: false,
  });
  instance = inst;
  return inst;
}

export const tFor = (locale: Locale): TFunction => i18n().getFixedT(locale);

const HK = 'Asia/Hong_Kong';
const intlLocale: Record<Locale, string> = { en: 'en-GB', 'zh-HK': 'zh-HK', 'zh-CN': 'zh-CN' };

/** Digits in groups: voice gets every digit spaced with a pause between groups, text gets "2611 0000 0013". */
export function formatDigits(value: string, mode: Mode, group = 4): string {
  const groups: string[] = [];
  for (let i = 0; i < value.length; i += group) groups.push(value.slice(i, i + group));
  return mode === 'voice' ? groups.map((g) => g.split('').join(' ')).join(', ') : groups.join(' ');
}

const timeFormats = new Map<Locale, Intl.DateTimeFormat>();
const dateFormats = new Map<Locale, Intl.DateTimeFormat>();

/** Intl formatters are costly to build: one per locale, made on first use. */
const cached = (cache: Map<Locale, Intl.DateTimeFormat>, locale: Locale, make: () => Intl.DateTimeFormat) => {
  let f = cache.get(locale);
  if (!f) cache.set(locale, (f = make()));
  return f;
};

export function formatTime(iso: string, locale: Locale): string {
  const f = cached(timeFormats, locale, () =>
    new Intl.DateTimeFormat(intlLocale[locale], {
      timeZone: HK,
      day: 'numeric',
      month: 'long',
      hour: 'numeric',
      minute: '2-digit',
      hour12: locale === 'en' ? false : true,
    }),
  );
  return f.format(new Date(iso));
}

export function formatDate(iso: string, locale: Locale): string {
  const f = cached(dateFormats, locale, () =>
    new Intl.DateTimeFormat(intlLocale[locale], { timeZone: HK, day: 'numeric', month: 'long', year: 'numeric' }),
  );
  return f.format(new Date(iso.length === 10 ? iso + 'T12:00:00+08:00' : iso));
}

function formatParam(p: MsgParam, locale: Locale, mode: Mode, t: TFunction): string | number {
  if (typeof p === 'string' || typeof p === 'number') return p;
  switch (p.kind) {
    case 'digits':
      return formatDigits(p.value, mode, p.group ?? 4);
    case 'time':
      return formatTime(p.iso, locale);
    case 'date':
      return formatDate(p.iso, locale);
    case 'key':
      return render({ key: p.key, params: p.params }, locale, mode, t);
  }
}

/** Renders one message for a channel: parameters formatted, then `t` with the channel as context. */
export function render(msg: Msg, locale: Locale, mode: Mode, t: TFunction = tFor(locale)): string {
  const params: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(msg.params ?? {})) params[k] = formatParam(v, locale, mode, t);
  return t(msg.key, { ...params, context: msg.context ?? mode }) as string;
}
