import { describe, expect, it } from 'vitest';
import { maskCode, maskId, maskPhone } from '../../src/core/mask.js';

describe('masks', () => {
  it('keeps the country code and the last 4 digits of a phone number', () => {
    expect(maskPhone('+85291234567')).toBe('+852****4567');
    expect(maskPhone('+8613800138000')).toBe('+86****8000');
    expect(maskPhone('+15005550006')).toBe('+1****0006');
  });
  it('never shows more than the last 4 digits of something odd', () => {
    expect(maskPhone('91234567')).toBe('****4567');
    expect(maskPhone('+999')).toBe('****999');
    expect(maskPhone(null)).toBeNull();
    expect(maskPhone('')).toBeNull();
  });
  it('shows only the first and last character of an ID', () => {
    expect(maskId('A1234563')).toBe('A****3');
    expect(maskId('C12345678')).toBe('C****8');
    expect(maskId('AB')).toBe('****');
    expect(maskId(null)).toBeNull();
  });
  it('never shows a token code', () => {
    expect(maskCode('123456')).toBe('******');
    expect(maskCode()).not.toMatch(/\d/);
  });
});
