import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addDays, isOpen, nextOpen, parseWindow, planStages } from '../../src/reminders/schedule.js';
import { hkAt } from './fixtures.js';

const sms = parseWindow('08:00-21:00');
const call = parseWindow('09:00-20:00');

describe('quiet hours (Hong Kong time)', () => {
  it('lets SMS go from 08:00 until 21:00 and calls from 09:00 until 20:00', () => {
    expect(isOpen(sms, hkAt('2026-06-01', '07:59'))).toBe(false);
    expect(isOpen(sms, hkAt('2026-06-01', '08:00'))).toBe(true);
    expect(isOpen(sms, hkAt('2026-06-01', '20:59'))).toBe(true);
    expect(isOpen(sms, hkAt('2026-06-01', '21:00'))).toBe(false);
    expect(isOpen(call, hkAt('2026-06-01', '08:30'))).toBe(false);
    expect(isOpen(call, hkAt('2026-06-01', '19:59'))).toBe(true);
    expect(isOpen(call, hkAt('2026-06-01', '20:00'))).toBe(false);
  });

  it('delays work outside the window to the next opening, in Hong Kong time', () => {
    expect(nextOpen(sms, hkAt('2026-06-01', '22:30'))).toEqual(hkAt('2026-06-02', '08:00'));
    expect(nextOpen(sms, hkAt('2026-06-02', '06:10'))).toEqual(hkAt('2026-06-02', '08:00'));
    // 00:30 in Hong Kong is still the previous day in UTC.
    expect(nextOpen(call, hkAt('2026-06-02', '00:30'))).toEqual(hkAt('2026-06-02', '09:00'));
    const at = hkAt('2026-06-02', '12:00');
    expect(nextOpen(sms, at)).toBe(at);
  });

  it('handles a window that spans midnight', () => {
    const night = parseWindow('22:00-06:00');
    expect(isOpen(night, hkAt('2026-06-01', '23:00'))).toBe(true);
    expect(isOpen(night, hkAt('2026-06-02', '05:59'))).toBe(true);
    expect(isOpen(night, hkAt('2026-06-02', '12:00'))).toBe(false);
    expect(nextOpen(night, hkAt('2026-06-02', '12:00'))).toEqual(hkAt('2026-06-02', '22:00'));
  });

  it('always answers an open moment, never earlier than asked, within a day', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 * 365 * 24 * 60 }), fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 1439 }), (min, start, len) => {
        const w = { start, end: (start + len) % 1440 };
        const at = new Date(Date.UTC(2026, 0, 1) + min * 60_000);
        const next = nextOpen(w, at);
        expect(isOpen(w, next)).toBe(true);
        expect(next.getTime()).toBeGreaterThanOrEqual(at.getTime());
        expect(next.getTime() - at.getTime()).toBeLessThanOrEqual(24 * 3600_000);
      }),
    );
  });
});

describe('stage planning', () => {
  const stages = [30, 14, 7, 1];

  it('puts each stage on its day before expiry, when the SMS window opens', () => {
    const plan = planStages({ expiresOn: '2026-12-31', stages, now: hkAt('2026-10-01'), window: sms });
    expect(plan.map((p) => [p.stage, p.state, p.dueAt.toISOString()])).toEqual([
      [30, 'scheduled', hkAt(addDays('2026-12-31', -30), '08:00').toISOString()],
      [14, 'scheduled', hkAt('2026-12-17', '08:00').toISOString()],
      [7, 'scheduled', hkAt('2026-12-24', '08:00').toISOString()],
      [1, 'scheduled', hkAt('2026-12-30', '08:00').toISOString()],
    ]);
  });

  it('sends the latest stage whose day has come at once and skips the older ones', () => {
    const now = hkAt('2026-12-20', '12:00'); // 11 days left: the 14-day stage is current
    const plan = planStages({ expiresOn: '2026-12-31', stages, now, window: sms });
    expect(plan.map((p) => [p.stage, p.state, p.when])).toEqual([
      [30, 'skipped', 'missed'],
      [14, 'scheduled', 'now'],
      [7, 'scheduled', 'later'],
      [1, 'scheduled', 'later'],
    ]);
    expect(plan[1]!.dueAt).toEqual(now);
  });

  it('waits for the morning when the campaign starts at night', () => {
    const plan = planStages({ expiresOn: '2026-12-31', stages, now: hkAt('2026-12-20', '23:00'), window: sms });
    expect(plan.find((p) => p.stage === 14)!.dueAt).toEqual(hkAt('2026-12-21', '08:00'));
  });

  it('reminds an already expired token once', () => {
    const plan = planStages({ expiresOn: '2026-01-10', stages, now: hkAt('2026-02-01'), window: sms });
    expect(plan.filter((p) => p.state === 'scheduled').map((p) => p.stage)).toEqual([1]);
  });

  it('takes configured stages in any order, once each', () => {
    const plan = planStages({ expiresOn: '2026-12-31', stages: [3, 10, 3], now: hkAt('2026-10-01'), window: sms });
    expect(plan.map((p) => p.stage)).toEqual([10, 3]);
  });
});
