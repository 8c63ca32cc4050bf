/**
 * One name for each thing (docs/glossary.md): the forms the glossary rules out appear in no text of
 * any language, on any channel.
 */
import { describe, expect, it } from 'vitest';
import { RESOURCES } from '../src/locales.js';

/** Forms the glossary names as wrong, and the term to use instead. */
const RULED_OUT: { wrong: RegExp; use: string }[] = [
  { wrong: /密碼|密码/, use: '保安編碼 / 保安编码 (security code)' },
  { wrong: /貨檢大樓|货检大楼/, use: '貨物檢查大樓 / 货物检查大楼 (Cargo Examination Complex)' },
];

function texts(tree: unknown, path: string, out: [string, string][]): [string, string][] {
  if (typeof tree === 'string') out.push([path, tree]);
  else if (tree && typeof tree === 'object') for (const [k, v] of Object.entries(tree)) texts(v, path ? `${path}.${k}` : k, out);
  return out;
}

describe('glossary', () => {
  const all = Object.entries(RESOURCES).flatMap(([lng, nss]) => texts(nss, lng, []));

  it('reads every text of every language', () => {
    expect(all.length).toBeGreaterThan(500);
  });

  it.each(RULED_OUT)('no text says $wrong (use $use)', ({ wrong }) => {
    expect(all.filter(([, text]) => wrong.test(text)).map(([path]) => path)).toEqual([]);
  });
});
