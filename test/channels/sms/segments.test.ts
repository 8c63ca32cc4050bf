import { describe, expect, it } from 'vitest';
import { countSegments, isGsm7 } from '../../../src/channels/sms/segments.js';

describe('SMS segment counting', () => {
  it('fits 160 GSM-7 characters in one segment and splits longer texts by 153', () => {
    expect(countSegments('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(countSegments('a'.repeat(161))).toMatchObject({ encoding: 'GSM-7', segments: 2 });
    expect(countSegments('a'.repeat(306)).segments).toBe(2);
    expect(countSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('counts an extension character (€ [ ] { } | ^ ~ \\) as two septets', () => {
    expect(countSegments('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(countSegments('€'.repeat(81)).segments).toBe(2);
    // 152 septets then an escape pair: the pair does not split, so it opens segment 2.
    expect(countSegments('a'.repeat(152) + '|' + 'a'.repeat(10)).segments).toBe(2);
    expect(countSegments('a'.repeat(305) + '|').segments).toBe(3);
  });

  it('switches to UCS-2 for any character outside GSM-7: 70 per message, 67 per segment', () => {
    expect(countSegments('狀'.repeat(70))).toMatchObject({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(countSegments('狀'.repeat(71)).segments).toBe(2);
    expect(countSegments('狀'.repeat(134)).segments).toBe(2);
    expect(countSegments('狀'.repeat(135)).segments).toBe(3);
    const one = countSegments('Hello “world”');
    expect(one.encoding).toBe('UCS-2');
    expect(one.nonGsm).toEqual(['“', '”']);
  });

  it('never splits a surrogate pair', () => {
    expect(countSegments('😀'.repeat(35))).toMatchObject({ units: 70, segments: 1 });
    expect(countSegments('a' + '😀'.repeat(35)).segments).toBe(2);
    // 134 units would make two full segments, but the pair at units 67-68 moves whole into segment 2.
    expect(countSegments('a'.repeat(66) + '😀' + 'a'.repeat(66))).toMatchObject({ units: 134, segments: 3 });
  });

  it('knows the GSM-7 alphabet', () => {
    expect(isGsm7('ROCARS 3669 0000 (24h): <CCRN> @£$¥èé_ÄÖÑÜ§¿')).toBe(true);
    expect(isGsm7('綑綁')).toBe(false);
    expect(isGsm7('–')).toBe(false);
    expect(countSegments('').segments).toBe(0);
  });
});
