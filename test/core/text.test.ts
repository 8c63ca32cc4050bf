import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stripXmlForbidden, stripXmlForbiddenValues } from '../../src/core/text.js';

/** What XML 1.0 allows (https://www.w3.org/TR/xml/#charsets), code point by code point. */
const xmlChar = (cp: number) =>
  cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);

describe('stripXmlForbidden', () => {
  it('removes each class XML 1.0 forbids and keeps the rest', () => {
    expect(stripXmlForbidden('A\u0000B\u0008C\u000bD\u000cE\u000eF\u001fG')).toBe('ABCDEFG');
    expect(stripXmlForbidden('x\ud800y')).toBe('xy'); // lone high surrogate
    expect(stripXmlForbidden('x\udc00y')).toBe('xy'); // lone low surrogate
    expect(stripXmlForbidden('x\udbff')).toBe('x'); // high surrogate at the end
    expect(stripXmlForbidden('x\ufffey\uffff')).toBe('xy');
    expect(stripXmlForbidden('tab\tLF\nCR\r')).toBe('tab\tLF\nCR\r');
    expect(stripXmlForbidden('狀態 😀 \u007f\u0085\ufffd')).toBe('狀態 😀 \u007f\u0085\ufffd');
  });

  it('gives back the same string, and the same record, when there is nothing to remove', () => {
    const s = 'STATUS 261100000013';
    expect(stripXmlForbidden(s)).toBe(s);
    const r = { Body: s, From: '+85291234567' };
    expect(stripXmlForbiddenValues(r)).toBe(r);
    const dirty = { Body: 'a\u0000b', From: '+85291234567' };
    expect(stripXmlForbiddenValues(dirty)).toEqual({ Body: 'ab', From: '+85291234567' });
    expect(dirty.Body).toBe('a\u0000b');
  });

  it('leaves only characters XML allows, and changes nothing in a string that has only those', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = stripXmlForbidden(s);
        for (const ch of out) expect(xmlChar(ch.codePointAt(0)!)).toBe(true);
        const allowed = [...s].filter((ch) => xmlChar(ch.codePointAt(0)!)).join('');
        expect(out).toBe(allowed);
      }),
    );
  });
});
