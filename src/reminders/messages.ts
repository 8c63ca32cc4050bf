/** The reminder's words, as i18n messages (locales/<lng>/reminders.json); renderers turn them into text or speech. */
import type { Locale } from '../core/types.js';
import type { PlaceView } from '../core/services.js';
import type { Msg, MsgParam } from '../flows/reply.js';
import { formatDate, render } from '../i18n.js';

export interface ReminderFacts {
  serial: string;
  /** Last valid day, YYYY-MM-DD. */
  expiresOn: string;
  /** Hong Kong date of today, YYYY-MM-DD: an expired token is told so. */
  today: string;
  /** The hotline, E.164 (+85236690000). */
  hotline: string;
}

/** "+85236690000" -> digits "36690000" (read "3669 0000"). */
export const hotlineDigits = (e164: string): MsgParam => ({
  kind: 'digits',
  value: e164.startsWith('+852') ? e164.slice(4) : e164.replace(/^\+/, ''),
  group: 4,
});

const expired = (f: ReminderFacts) => f.expiresOn < f.today;

/** The reminder SMS (and the summary an outbox keeps of a call). */
export const smsReminder = (f: ReminderFacts): Msg => ({
  key: expired(f) ? 'reminders:sms.expired' : 'reminders:sms.reminder',
  params: { serial: f.serial, date: { kind: 'date', iso: f.expiresOn }, hotline: hotlineDigits(f.hotline) },
});

/** What the call says first (and again on `*`). */
export const callMessage = (f: ReminderFacts): Msg => ({
  key: expired(f) ? 'reminders:call.expired' : 'reminders:call.reminder',
  params: { date: { kind: 'date', iso: f.expiresOn } },
});

/** The short message left on an answering machine. */
export const machineMessage = (f: ReminderFacts): Msg => ({
  key: expired(f) ? 'reminders:call.machine_expired' : 'reminders:call.machine',
  params: { date: { kind: 'date', iso: f.expiresOn }, hotline: hotlineDigits(f.hotline) },
});

const placeName = (p: PlaceView, locale: Locale) => (locale === 'en' ? p.nameEn : p.nameZh);

function list(names: string[], locale: Locale): string {
  const sep = render({ key: 'reminders:list.separator' }, locale, 'text');
  return names.join(sep);
}

/** Where to replace the token (the 12 post offices, the 5 control points) and what to bring. */
export function detailsMessages(places: PlaceView[], locale: Locale, hotline: string): Msg[] {
  const offices = places.filter((p) => p.kind === 'post_office').map((p) => placeName(p, locale));
  const points = places.filter((p) => p.kind === 'control_point').map((p) => placeName(p, locale));
  return [
    { key: 'reminders:details.bring' },
    { key: 'reminders:details.places', params: { count: offices.length, postOffices: list(offices, locale), controlPoints: list(points, locale) } },
    { key: 'reminders:details.representative' },
    { key: 'reminders:details.hours', params: { hotline: hotlineDigits(hotline) } },
  ];
}

/** The whole of it as one SMS (option 2 of the call). */
export function detailsSms(places: PlaceView[], locale: Locale, f: ReminderFacts): string {
  const parts = [smsReminder(f), ...detailsMessages(places, locale, f.hotline)];
  return parts.map((m) => render(m, locale, 'text')).join(' ');
}

// A campaign renders the same few expiry dates thousands of times, and formatting one builds an
// Intl.DateTimeFormat: dates are formatted once per (date, language).
const dates = new Map<string, string>();
function dateText(iso: string, locale: Locale): string {
  const key = `${locale}|${iso}`;
  let text = dates.get(key);
  if (text === undefined) {
    if (dates.size > 10_000) dates.clear();
    text = formatDate(iso, locale);
    dates.set(key, text);
  }
  return text;
}

/** Renders a message as text (SMS, outbox summary). */
export function renderText(msg: Msg, locale: Locale): string {
  if (!msg.params) return render(msg, locale, 'text');
  const params: Record<string, MsgParam> = {};
  for (const [k, v] of Object.entries(msg.params)) params[k] = typeof v === 'object' && v.kind === 'date' ? dateText(v.iso, locale) : v;
  return render({ ...msg, params }, locale, 'text');
}
