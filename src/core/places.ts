/**
 * Where a token can be replaced: the 12 designated post offices (ROCARS Registration Centres;
 * hours exactly as the FAQ lists them) and the Cargo Examination Complexes of the five land
 * boundary control points (their cargo clearance hours from the demo-seed fixture, until Customs
 * publishes counter hours).
 */
import type { PlaceKind, PlaceView } from './services.js';
import type { ControlPointKey } from './types.js';

export type Hours = PlaceView['hours'];
export type Region = PlaceView['region'];

export interface Place {
  key: string;
  kind: PlaceKind;
  nameEn: string;
  nameZh: string;
  region: Region;
  hours: Hours;
}

type Span = [string, string];
const MON_FRI = [1, 2, 3, 4, 5];

/** Hours: `weekdays` open `weekday`, Saturday `saturday`, Sunday `sunday` (none when absent). */
function week(weekday: Span, saturday: Span | null, sunday: Span | null = null): Hours {
  const days: Record<number, Span[]> = { 0: sunday ? [sunday] : [], 6: saturday ? [saturday] : [] };
  for (const d of MON_FRI) days[d] = [weekday];
  return { days };
}

const po = (key: string, nameEn: string, nameZh: string, region: Region, hours: Hours): Place => ({
  key,
  kind: 'post_office',
  nameEn,
  nameZh,
  region,
  hours,
});

/** The 12 designated post offices, in the FAQ's order. Closed on Sundays (except GPO) and public holidays. */
export const POST_OFFICES: readonly Place[] = [
  po('gpo', 'General Post Office', '郵政總局', 'hong_kong', week(['08:00', '18:00'], ['08:00', '18:00'], ['12:00', '17:00'])),
  po('tsim_sha_tsui', 'Tsim Sha Tsui Post Office', '尖沙咀郵政局', 'kowloon', week(['09:30', '17:30'], ['09:30', '17:30'])),
  po('mong_kok', 'Mong Kok Post Office', '旺角郵政局', 'kowloon', week(['09:30', '18:00'], ['09:30', '13:00'])),
  po('cheung_sha_wan', 'Cheung Sha Wan Post Office', '長沙灣郵政局', 'kowloon', week(['09:30', '17:30'], ['09:30', '13:00'])),
  po('kowloon_bay', 'Kowloon Bay Post Office', '九龍灣郵政局', 'kowloon', week(['09:30', '17:00'], ['09:30', '13:00'])),
  po('kwun_tong', 'Kwun Tong Post Office', '觀塘郵政局', 'kowloon', week(['09:30', '17:30'], ['09:30', '13:00'])),
  po('sha_tin_central', 'Sha Tin Central Post Office', '沙田中央郵政局', 'new_territories', week(['09:00', '17:00'], ['09:00', '13:00'])),
  po('fo_tan', 'Fo Tan Post Office', '火炭郵政局', 'new_territories', week(['09:30', '17:30'], ['09:30', '13:00'])),
  po('shek_wu_hui', 'Shek Wu Hui Post Office', '石湖墟郵政局', 'new_territories', week(['09:00', '18:00'], ['09:00', '13:00'])),
  po('tsuen_wan', 'Tsuen Wan Post Office', '荃灣郵政局', 'new_territories', week(['09:00', '17:00'], ['09:00', '13:00'])),
  po('yuen_long', 'Yuen Long Post Office', '元朗郵政局', 'new_territories', week(['09:00', '17:00'], ['09:00', '13:00'])),
  po('tung_chung', 'Tung Chung Post Office', '東涌郵政局', 'new_territories', week(['09:30', '17:00'], ['09:30', '13:00'])),
];

/** The control points as the fixture gives them: cargo hours "24 hours" or "HH:MM-HH:MM" (24:00 = midnight). */
export const CONTROL_POINT_CARGO_HOURS: readonly { key: ControlPointKey; nameEn: string; nameZh: string; cargoHours: string }[] = [
  { key: 'lok_ma_chau', nameEn: 'Lok Ma Chau Control Point', nameZh: '落馬洲管制站', cargoHours: '24 hours' },
  { key: 'man_kam_to', nameEn: 'Man Kam To Control Point', nameZh: '文錦渡管制站', cargoHours: '07:00-22:00' },
  { key: 'shenzhen_bay', nameEn: 'Shenzhen Bay Control Point', nameZh: '深圳灣管制站', cargoHours: '06:30-24:00' },
  { key: 'heung_yuen_wai', nameEn: 'Heung Yuen Wai Control Point', nameZh: '香園圍管制站', cargoHours: '07:00-22:00' },
  { key: 'hzmb', nameEn: 'Hong Kong-Zhuhai-Macao Bridge Hong Kong Port', nameZh: '港珠澳大橋香港口岸', cargoHours: '24 hours' },
];

/** "24 hours" -> allDay; "06:30-24:00" -> the same span every day of the week. */
export function parseCargoHours(text: string): Hours {
  if (/^24 hours$/i.test(text.trim())) return { allDay: true };
  const m = /^(\d{2}:\d{2})\s*-\s*(\d{2}:\d{2})$/.exec(text.trim());
  if (!m) throw new Error(`unreadable cargo hours: ${text}`);
  const days: Record<number, Span[]> = {};
  for (let d = 0; d < 7; d++) days[d] = [[m[1]!, m[2]!]];
  return { days };
}

/** The Cargo Examination Complexes, open during their control point's cargo clearance hours. */
export const CONTROL_POINTS: readonly Place[] = CONTROL_POINT_CARGO_HOURS.map((cp) => ({
  key: cp.key,
  kind: 'control_point' as const,
  nameEn: cp.nameEn,
  nameZh: cp.nameZh,
  region: 'boundary' as const,
  hours: parseCargoHours(cp.cargoHours),
}));

export const PLACES: readonly Place[] = [...POST_OFFICES, ...CONTROL_POINTS];
