/**
 * The Twilio form decoder (Web-standard) reads every body as node:querystring did before it (the
 * oracle here), and as Twilio encodes forms.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse as querystring } from 'node:querystring';
import { parseForm } from '../../../src/channels/twilio/form.js';

/** node:querystring's answer with a repeated name's last value, as the webhook has always kept it. */
function oracle(body: string): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(querystring(body))) out[k] = typeof v === 'string' ? v : (v?.[v.length - 1] ?? '');
  return out;
}

describe('Twilio form decoder', () => {
  it('decodes what Twilio sends: escapes, + for space, Chinese, empty values, a repeated name', () => {
    const body = 'From=%2B85291234567&SpeechResult=%E4%BA%8C+%E5%85%AD+one+%2B+two&Body=50%25+off+%26+more&Empty=&Bare&Digits=1&Digits=2';
    expect({ ...parseForm(body) }).toEqual({
      From: '+85291234567',
      SpeechResult: '二 六 one + two',
      Body: '50% off & more',
      Empty: '',
      Bare: '',
      Digits: '2',
    });
  });

  it('keeps a malformed escape as it is, and decodes the good ones beside it', () => {
    expect(Object.entries(parseForm('Odd=%ZZ&Mixed=%E4%BA%8C%2&Half=%E4%BA'))).toEqual(Object.entries(oracle('Odd=%ZZ&Mixed=%E4%BA%8C%2&Half=%E4%BA')));
    expect(parseForm('Odd=%ZZ').Odd).toBe('%ZZ');
  });

  it('gives no name a special meaning (no prototype to pollute)', () => {
    const p = parseForm('__proto__=x&constructor=y');
    expect(Object.getPrototypeOf(p)).toBeNull();
    expect(p['__proto__']).toBe('x');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('reads a body naming __proto__ as node:querystring does', () => {
    expect(Object.entries(parseForm('__proto__=&a=1'))).toEqual(Object.entries(oracle('__proto__=&a=1')));
  });

  it('reads any ASCII body as node:querystring does', () => {
    // (Beyond ASCII, node:querystring's fallback for a malformed escape cuts each character to one
    // byte: '%' then 'é' comes out as U+FFFD. Ours keeps the character; the next property covers it.)
    const piece = fc.oneof(
      fc.string({ unit: 'binary-ascii' }),
      fc.constantFrom('%', '%2', '%ZZ', '%E4%BA%8C', '%F0%9F%98%80', '%C3', '+', '=', '&', '%26', '%3D', '%2B'),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const body = parts.join('');
        // Entries, not spread objects: a body may well name `__proto__`.
        expect(Object.entries(parseForm(body))).toEqual(Object.entries(oracle(body)));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back any names and values, in any script, encoded as a browser or Twilio encodes them', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'grapheme', minLength: 1 }), fc.string({ unit: 'grapheme' })), { maxLength: 8 }), (pairs) => {
        const body = new URLSearchParams(pairs).toString();
        const expected = Object.create(null) as Record<string, string>;
        for (const [k, v] of pairs) expected[k] = v;
        expect(Object.entries(parseForm(body))).toEqual(Object.entries(expected));
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws, whatever the body', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.constantFrom('%', '%E4', '%ZZ', '&', '=')), { maxLength: 12 }), (parts) => {
        expect(() => parseForm(parts.join(''))).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });
});
