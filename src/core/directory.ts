/** Opening hours and "open now" of the token replacement places, in Hong Kong time. */
import type { DirectoryService, PlaceKind, PlaceView } from './services.js';
import type { Clock } from './types.js';
import { PLACES, type Hours, type Place } from './places.js';

/**
 * Hong Kong general holidays (the days gazetted under the General Holidays Ordinance, Cap. 149)
 * for 2026 and 2027, as published by the HKSAR Government (www.gov.hk/en/about/abouthk/holiday/).
 * 2027 follows the ordinance's rules and the lunar calendar; check it against the gazette when it
 * is published. PUBLIC_HOLIDAYS (src/config.ts) replaces this list. Sundays are not listed.
 */
export const HK_PUBLIC_HOLIDAYS_2026_2027: readonly string[] = [
  // 2026
  '2026-01-01', // The first day of January
  '2026-02-17', // Lunar New Year's Day
  '2026-02-18', // The second day of Lunar New Year
  '2026-02-19', // The third day of Lunar New Year
  '2026-04-03', // Good Friday
  '2026-04-04', // The day following Good Friday
  '2026-04-06', // Easter Monday
  '2026-04-07', // The day following Ching Ming Festival (5 April is a Sunday)
  '2026-05-01', // Labour Day
  '2026-05-25', // The day following the Birthday of the Buddha (24 May is a Sunday)
  '2026-06-19', // Tuen Ng Festival
  '2026-07-01', // HKSAR Establishment Day
  '2026-09-26', // The day following the Chinese Mid-Autumn Festival
  '2026-10-01', // National Day
  '2026-10-19', // The day following Chung Yeung Festival (18 October is a Sunday)
  '2026-12-25', // Christmas Day
  '2026-12-26', // The first weekday after Christmas Day
  // 2027
  '2027-01-01', // The first day of January
  '2027-02-06', // Lunar New Year's Day
  '2027-02-08', // The third day of Lunar New Year
  '2027-02-09', // The fourth day of Lunar New Year (the second day is a Sunday)
  '2027-03-26', // Good Friday
  '2027-03-27', // The day following Good Friday
  '2027-03-29', // Easter Monday
  '2027-04-05', // Ching Ming Festival
  '2027-05-01', // Labour Day
  '2027-05-13', // The Birthday of the Buddha
  '2027-06-09', // Tuen Ng Festival
  '2027-07-01', // HKSAR Establishment Day
  '2027-09-16', // The day following the Chinese Mid-Autumn Festival
  '2027-10-01', // National Day
  '2027-10-08', // Chung Yeung Festival
  '2027-12-25', // Christmas Day
  '2027-12-27', // The first weekday after Christmas Day (26 December is a Sunday)
];

// Hong Kong has kept UTC+8 without daylight saving since 1979, so a fixed offset is exact here
// and needs no time-zone data (Workers-friendly).
const HK_OFFSET_MS = 8 * 60 * 60 * 1000;

/** Hong Kong calendar date, weekday (0 = Sunday) and minutes since midnight of an instant. */
export function hongKongParts(at: Date): { date: string; weekday: number; minutes: number } {
  const hk = new Date(at.getTime() + HK_OFFSET_MS);
  return {
    date: hk.toISOString().slice(0, 10),
    weekday: hk.getUTCDay(),
    minutes: hk.getUTCHours() * 60 + hk.getUTCMinutes(),
  };
}

/** The Hong Kong date (YYYY-MM-DD) of an instant. */
export const hongKongDate = (at: Date): string => hongKongParts(at).date;

const toMinutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

/** True when `hours` include `minutes` past midnight on `weekday` (spans are [open, close)). */
export function openAt(hours: Hours, weekday: number, minutes: number): boolean {
  if ('allDay' in hours) return true;
  return (hours.days[weekday] ?? []).some(([open, close]) => minutes >= toMinutes(open) && minutes < toMinutes(close));
}

export interface DirectoryDeps {
  clock: Clock;
  /**
   * Hong Kong dates (YYYY-MM-DD) of public holidays: config's PUBLIC_HOLIDAYS; when undefined,
   * HK_PUBLIC_HOLIDAYS_2026_2027.
   */
  holidays?: readonly string[];
  /** The places; default the 12 post offices and the five control points. */
  places?: readonly Place[];
}

export function createDirectory({ clock, holidays = HK_PUBLIC_HOLIDAYS_2026_2027, places = PLACES }: DirectoryDeps): DirectoryService {
  const holidaySet = new Set(holidays);
  const isHoliday = (date: Date): boolean => holidaySet.has(hongKongDate(date));

  const view = (p: Place, now: Date): PlaceView => {
    const { weekday, minutes } = hongKongParts(now);
    // On a public holiday post offices count as closed; control points keep their cargo hours.
    const closedToday = p.kind === 'post_office' && isHoliday(now);
    return {
      key: p.key,
      kind: p.kind,
      nameEn: p.nameEn,
      nameZh: p.nameZh,
      hours: p.hours,
      openNow: !closedToday && openAt(p.hours, weekday, minutes),
      region: p.region,
    };
  };

  return {
    places(input?: { kind?: PlaceKind }): PlaceView[] {
      const now = clock.now();
      return places.filter((p) => !input?.kind || p.kind === input.kind).map((p) => view(p, now));
    },
    isHoliday,
  };
}
