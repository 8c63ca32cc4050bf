/** Quiet hours and stage planning, in Hong Kong time. Pure: no I/O, the time is passed in. */

// Hong Kong has kept UTC+8 without daylight saving since 1979 (see core/directory.ts).
const HK_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Hours of the day (Hong Kong time) in which a channel may be used: [start, end) in minutes. */
export interface SendWindow {
  start: number;
  end: number;
}

/** Parses "08:00-21:00" (config format). A window that ends before it starts spans midnight. */
export function parseWindow(text: string): SendWindow {
  const m = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(text.trim());
  if (!m) throw new RangeError(`not a window like 08:00-21:00: ${text}`);
  const [h1, m1, h2, m2] = m.slice(1).map(Number) as [number, number, number, number];
  return { start: h1 * 60 + m1, end: h2 * 60 + m2 };
}

export const formatWindow = (w: SendWindow): string => {
  const f = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return `${f(w.start)}-${f(w.end)}`;
};

/** Minutes since Hong Kong midnight, and the Hong Kong date, of an instant. */
function hk(at: Date): { date: string; minutes: number; midnight: number } {
  const local = at.getTime() + HK_OFFSET_MS;
  const midnightLocal = Math.floor(local / DAY_MS) * DAY_MS;
  return {
    date: new Date(midnightLocal).toISOString().slice(0, 10),
    minutes: Math.floor((local - midnightLocal) / 60_000),
    midnight: midnightLocal - HK_OFFSET_MS,
  };
}

export function isOpen(w: SendWindow, at: Date): boolean {
  const { minutes } = hk(at);
  if (w.start === w.end) return true;
  return w.start < w.end ? minutes >= w.start && minutes < w.end : minutes >= w.start || minutes < w.end;
}

/** `at` itself when the window is open, else the next moment it opens. */
export function nextOpen(w: SendWindow, at: Date): Date {
  if (isOpen(w, at)) return at;
  const { midnight, minutes } = hk(at);
  const today = midnight + w.start * 60_000;
  return new Date(minutes < w.start ? today : today + DAY_MS);
}

/** The instant a Hong Kong date's window opens. */
export function windowOpensOn(w: SendWindow, isoDate: string): Date {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) - HK_OFFSET_MS + w.start * 60_000);
}

export const hongKongDateOf = (at: Date): string => hk(at).date;

/** `YYYY-MM-DD` plus `days` (calendar arithmetic on the date itself). */
export function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whole days from the Hong Kong date of `at` to `isoDate` (negative once it has passed). */
export const daysUntil = (isoDate: string, at: Date): number =>
  Math.round((Date.parse(`${isoDate}T00:00:00Z`) - Date.parse(`${hongKongDateOf(at)}T00:00:00Z`)) / DAY_MS);

export interface PlannedStage {
  stage: number;
  dueAt: Date;
  state: 'scheduled' | 'skipped';
  /** now: the stage whose day has come (sent at the next open window); later: on its day; missed: skipped. */
  when: 'now' | 'later' | 'missed';
  skipReason?: 'missed';
}

/**
 * The stages of one token. Stage N falls on the Hong Kong day N days before `expiresOn` (the last
 * valid day), when the SMS window opens. Stages whose day has already come are not all sent at
 * once: the latest of them is due now (so a campaign started 20 days before expiry sends its
 * 30-day reminder at once), the older ones are skipped as missed.
 */
export function planStages(input: { expiresOn: string; stages: readonly number[]; now: Date; window: SendWindow }): PlannedStage[] {
  const { expiresOn, now, window } = input;
  const stages = [...new Set(input.stages)].sort((a, b) => b - a);
  const today = hongKongDateOf(now);
  const plan: PlannedStage[] = [];
  let current: number | null = null;
  for (const stage of stages) {
    const day = addDays(expiresOn, -stage);
    if (day > today) plan.push({ stage, dueAt: windowOpensOn(window, day), state: 'scheduled', when: 'later' });
    else current = stage; // stages are in decreasing order: the last one whose day has come wins
  }
  for (const stage of stages) {
    const day = addDays(expiresOn, -stage);
    if (day > today) continue;
    plan.push(
      stage === current
        ? { stage, dueAt: nextOpen(window, now), state: 'scheduled', when: 'now' }
        : { stage, dueAt: now, state: 'skipped', when: 'missed', skipReason: 'missed' },
    );
  }
  return plan.sort((a, b) => b.stage - a.stage);
}
