import { describe, expect, it } from 'vitest';
import fixture from '../fixtures/control-points.json' with { type: 'json' };
import {
  HK_PUBLIC_HOLIDAYS_2026_2027,
  createDirectory,
  hongKongDate,
} from '../../src/core/directory.js';
import { createGuidance } from '../../src/core/guidance.js';
import { CONTROL_POINT_CARGO_HOURS, POST_OFFICES } from '../../src/core/places.js';
import type { PlaceView } from '../../src/core/services.js';

/** A directory whose clock reads this Hong Kong local time ("2026-11-29T13:00"). */
const at = (hkLocal: string, holidays: string[] = [...HK_PUBLIC_HOLIDAYS_2026_2027]) =>
  createDirectory({ clock: { now: () => new Date(`${hkLocal}:00+08:00`) }, holidays });

const place = (places: PlaceView[], key: string): PlaceView => {
  const p = places.find((x) => x.key === key);
  if (!p) throw new Error(`no place ${key}`);
  return p;
};
const isOpen = (hkLocal: string, key: string, holidays?: string[]) => place(at(hkLocal, holidays).places(), key).openNow;

describe('directory of token replacement places', () => {
  it('lists the 12 designated post offices and the five control points', () => {
    const d = at('2026-11-30T10:00');
    expect(d.places({ kind: 'post_office' })).toHaveLength(12);
    expect(d.places({ kind: 'control_point' }).map((p) => p.key)).toEqual([
      'lok_ma_chau', 'man_kam_to', 'shenzhen_bay', 'heung_yuen_wai', 'hzmb',
    ]);
    expect(d.places()).toHaveLength(17);
    for (const p of d.places()) {
      expect(p.nameEn).toMatch(/\S/);
      expect(p.nameZh).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('groups the post offices as the FAQ does, Kowloon ones under kowloon', () => {
    const region = Object.fromEntries(at('2026-11-30T10:00').places().map((p) => [p.key, p.region]));
    expect(region).toMatchObject({
      gpo: 'hong_kong',
      tsim_sha_tsui: 'kowloon', mong_kok: 'kowloon', cheung_sha_wan: 'kowloon', kowloon_bay: 'kowloon', kwun_tong: 'kowloon',
      sha_tin_central: 'new_territories', fo_tan: 'new_territories', shek_wu_hui: 'new_territories',
      tsuen_wan: 'new_territories', yuen_long: 'new_territories', tung_chung: 'new_territories',
      lok_ma_chau: 'boundary', hzmb: 'boundary',
    });
  });

  it('keeps the FAQ hours of the General Post Office and Mong Kok', () => {
    const gpo = place(at('2026-11-30T10:00').places(), 'gpo');
    expect(gpo.hours).toEqual({
      days: {
        0: [['12:00', '17:00']],
        1: [['08:00', '18:00']], 2: [['08:00', '18:00']], 3: [['08:00', '18:00']],
        4: [['08:00', '18:00']], 5: [['08:00', '18:00']], 6: [['08:00', '18:00']],
      },
    });
    const mk = place(at('2026-11-30T10:00').places(), 'mong_kok');
    expect(mk.hours).toEqual({
      days: {
        0: [],
        1: [['09:30', '18:00']], 2: [['09:30', '18:00']], 3: [['09:30', '18:00']],
        4: [['09:30', '18:00']], 5: [['09:30', '18:00']], 6: [['09:30', '13:00']],
      },
    });
  });

  it('on Sunday at 13:00 the General Post Office is open and Mong Kok is closed', () => {
    expect(isOpen('2026-11-29T13:00', 'gpo')).toBe(true);
    expect(isOpen('2026-11-29T13:00', 'mong_kok')).toBe(false);
    expect(isOpen('2026-11-29T17:00', 'gpo')).toBe(false);
    const openOnSunday = at('2026-11-29T13:00').places({ kind: 'post_office' }).filter((p) => p.openNow);
    expect(openOnSunday.map((p) => p.key)).toEqual(['gpo']);
  });

  it('closes Mong Kok at 13:00 on Saturday', () => {
    expect(isOpen('2026-11-28T12:59', 'mong_kok')).toBe(true);
    expect(isOpen('2026-11-28T13:00', 'mong_kok')).toBe(false);
    // Tsim Sha Tsui keeps weekday hours on Saturday.
    expect(isOpen('2026-11-28T17:29', 'tsim_sha_tsui')).toBe(true);
  });

  it('opens post offices at their time on a weekday, in Hong Kong time', () => {
    expect(isOpen('2026-11-30T09:29', 'mong_kok')).toBe(false);
    expect(isOpen('2026-11-30T09:30', 'mong_kok')).toBe(true);
    expect(isOpen('2026-11-30T17:59', 'shek_wu_hui')).toBe(true);
    expect(isOpen('2026-11-30T17:00', 'sha_tin_central')).toBe(false);
    // 01:00 UTC on Monday is 09:00 in Hong Kong
    const d = createDirectory({ clock: { now: () => new Date('2026-11-30T01:00:00Z') }, holidays: [] });
    expect(place(d.places(), 'yuen_long').openNow).toBe(true);
  });

  it('counts post offices as closed on a public holiday; control points keep cargo hours', () => {
    const d = at('2026-12-25T10:00');
    expect(d.isHoliday(new Date('2026-12-25T10:00:00+08:00'))).toBe(true);
    expect(d.places({ kind: 'post_office' }).every((p) => !p.openNow)).toBe(true);
    expect(place(d.places(), 'man_kam_to').openNow).toBe(true);
    expect(place(d.places(), 'lok_ma_chau').openNow).toBe(true);
    // The same weekday without the holiday list: open.
    expect(isOpen('2026-12-25T10:00', 'mong_kok', [])).toBe(true);
  });

  it('takes holidays by Hong Kong date, not UTC date', () => {
    const d = at('2026-12-25T10:00', ['2026-12-25']);
    expect(d.isHoliday(new Date('2026-12-24T16:00:00Z'))).toBe(true); // 00:00 on the 25th in HK
    expect(d.isHoliday(new Date('2026-12-24T15:59:00Z'))).toBe(false);
    expect(hongKongDate(new Date('2026-12-24T16:00:00Z'))).toBe('2026-12-25');
  });

  it('opens Shenzhen Bay from 06:30 to midnight', () => {
    expect(isOpen('2026-11-30T06:29', 'shenzhen_bay')).toBe(false);
    expect(isOpen('2026-11-30T06:30', 'shenzhen_bay')).toBe(true);
    expect(isOpen('2026-11-30T23:59', 'shenzhen_bay')).toBe(true);
    expect(isOpen('2026-12-01T00:00', 'shenzhen_bay')).toBe(false);
  });

  it('keeps Lok Ma Chau and the bridge port open around the clock, holidays included', () => {
    for (const t of ['2026-11-29T03:00', '2026-11-30T00:00', '2026-11-30T23:59', '2026-12-25T04:00']) {
      expect(isOpen(t, 'lok_ma_chau'), t).toBe(true);
      expect(isOpen(t, 'hzmb'), t).toBe(true);
    }
    expect(isOpen('2026-11-30T22:00', 'man_kam_to')).toBe(false);
    expect(isOpen('2026-11-30T21:59', 'heung_yuen_wai')).toBe(true);
  });

  it("gives the control points the fixture's cargo hours", () => {
    expect(CONTROL_POINT_CARGO_HOURS).toEqual(fixture.controlPoints);
    const views = at('2026-11-30T10:00').places({ kind: 'control_point' });
    for (const cp of fixture.controlPoints) {
      const v = place(views, cp.key);
      expect([v.nameEn, v.nameZh]).toEqual([cp.nameEn, cp.nameZh]);
      if (cp.cargoHours === '24 hours') expect(v.hours).toEqual({ allDay: true });
      else {
        const [open, close] = cp.cargoHours.split('-');
        for (let day = 0; day < 7; day++) expect(v.hours).toHaveProperty(['days', String(day)], [[open, close]]);
      }
    }
  });
});

describe('public holidays', () => {
  it('lists 17 general holidays a year, none on a Sunday', () => {
    for (const y of ['2026', '2027']) {
      expect(HK_PUBLIC_HOLIDAYS_2026_2027.filter((d) => d.startsWith(y))).toHaveLength(17);
    }
    for (const d of HK_PUBLIC_HOLIDAYS_2026_2027) expect(new Date(`${d}T12:00:00Z`).getUTCDay(), d).not.toBe(0);
  });
  it('defaults to the built-in list when PUBLIC_HOLIDAYS is unset', () => {
    const d = createDirectory({ clock: { now: () => new Date('2026-10-01T10:00:00+08:00') }, holidays: undefined });
    expect(d.isHoliday(new Date('2026-10-01T10:00:00+08:00'))).toBe(true);
    expect(d.places({ kind: 'post_office' }).some((p) => p.openNow)).toBe(false);
  });
});

describe('token replacement guidance', () => {
  const guidance = createGuidance(at('2026-11-29T13:00'));
  it("lists the FAQ's four things a driver brings, in order", () => {
    expect(guidance.tokenReplacement().bring).toEqual([
      'common:guidance.bring.token',
      'common:guidance.bring.form',
      'common:guidance.bring.address_proof',
      'common:guidance.bring.identity',
    ]);
  });
  it("lists the representative's age and four documents, without the token", () => {
    expect(guidance.tokenReplacement().representative).toEqual([
      'common:guidance.representative.age',
      'common:guidance.representative.form',
      'common:guidance.representative.address_proof',
      'common:guidance.representative.identity',
      'common:guidance.representative.letter',
    ]);
  });
  it('names every place with whether it is open now', () => {
    const places = guidance.tokenReplacement().places;
    expect(places).toHaveLength(POST_OFFICES.length + 5);
    expect(place(places, 'gpo').openNow).toBe(true);
    expect(place(places, 'mong_kok').openNow).toBe(false);
  });
});
