/**
 * Every prompt exists in all three languages: every key of every namespace file (locales/<lng>/*.json)
 * is in en, zh-HK and zh-CN, none is empty, and each names the same {{variables}} everywhere.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { render } from '../src/i18n.js';
import { RESOURCES } from '../src/locales.js';
import { LOCALES, type Locale } from '../src/core/types.js';
import { PLACES } from '../src/core/places.js';
import { BRING_KEYS, REPRESENTATIVE_KEYS } from '../src/core/guidance.js';
import { KNOWN_COLOURS } from '../src/flows/messages.js';

type Tree = { [k: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const localesDir = fileURLToPath(new URL('../locales', import.meta.url));
/** Every namespace file on disk, read afresh: what the service bundles (src/locales.ts) must be exactly this. */
function loadResources(): Record<Locale, Record<string, Record<string, unknown>>> {
  const out = {} as Record<Locale, Record<string, Record<string, unknown>>>;
  for (const lng of LOCALES) {
    out[lng] = {};
    for (const file of readdirSync(join(localesDir, lng)).filter((f) => f.endsWith('.json'))) {
      out[lng][file.slice(0, -5)] = JSON.parse(readFileSync(join(localesDir, lng, file), 'utf8'));
    }
  }
  return out;
}
const resources = loadResources();
const namespaces = [...new Set(LOCALES.flatMap((l) => Object.keys(resources[l])))].sort();
const flat = (lng: Locale, ns: string) => flatten((resources[lng][ns] ?? {}) as Tree);
const variables = (s: string) => [...new Set([...s.matchAll(/\{\{\s*([\w.]+)[^}]*\}\}/g)].map((m) => m[1]!))].sort();

// i18next plurals: `key_one` / `key_other` in English, often only `key` (or `key_other`) in Chinese,
// which has no singular. i18next falls back from a missing plural form to the bare key, so a plural
// group is present in a language when it has the bare key or its `_other` form.
const PLURAL = /_(zero|one|two|few|many|other)$/;
const baseOf = (key: string) => key.replace(PLURAL, '');

/** The keys missing from a language: plain keys as they are, plural groups as "key (or key_other)". */
function missingKeys(all: Set<string>, mine: Map<string, string>): string[] {
  const pluralBases = new Set([...all].filter((k) => PLURAL.test(k)).map(baseOf));
  const missing = new Set<string>();
  for (const key of all) {
    const base = baseOf(key);
    if (pluralBases.has(base)) {
      if (!mine.has(base) && !mine.has(`${base}_other`)) missing.add(`${base} (or ${base}_other)`);
    } else if (!mine.has(key)) missing.add(key);
  }
  return [...missing];
}

/** A key's variables in one language; a plural group counts as one key (forms may leave out {{count}}). */
function groupVariables(lng: Locale, ns: string, key: string, pluralBases: Set<string>): string[] {
  const entries = flat(lng, ns);
  const base = baseOf(key);
  if (!pluralBases.has(base)) return variables(entries.get(key) ?? '');
  const forms = [...entries].filter(([k]) => baseOf(k) === base);
  return [...new Set(forms.flatMap(([, v]) => variables(v)))].filter((v) => v !== 'count').sort();
}

describe('locales', () => {
  it('the service bundles every namespace file on disk, as it is (src/locales.ts)', () => {
    expect(RESOURCES).toEqual(resources);
  });

  it('has the flow and common namespaces', () => {
    expect(namespaces).toEqual(expect.arrayContaining(['common', 'flow']));
  });

  describe.each(namespaces)('namespace %s', (ns) => {
    const all = new Set(LOCALES.flatMap((l) => [...flat(l, ns).keys()]));

    it.each(LOCALES)('%s has every key of the other languages', (lng) => {
      const missing = missingKeys(all, flat(lng, ns));
      expect(missing, `${lng}/${ns}.json is missing keys`).toEqual([]);
    });

    it.each(LOCALES)('%s has no empty string', (lng) => {
      const empty = [...flat(lng, ns)].filter(([, v]) => v.trim() === '').map(([k]) => k);
      expect(empty).toEqual([]);
    });

    it('names the same variables in every language', () => {
      const mismatched: string[] = [];
      const pluralBases = new Set([...all].filter((k) => PLURAL.test(k)).map(baseOf));
      for (const key of all) {
        const want = groupVariables('en', ns, key, pluralBases);
        for (const lng of LOCALES) {
          const got = groupVariables(lng, ns, key, pluralBases);
          if (JSON.stringify(got) !== JSON.stringify(want)) mismatched.push(`${lng} ${ns}:${key} has {${got.join(',')}} where en has {${want.join(',')}}`);
        }
      }
      expect(mismatched).toEqual([]);
    });
  });

  it('names every place, colour and guidance item the flows say', () => {
    const keys = [
      ...PLACES.map((p) => `common:place.${p.key}`),
      ...KNOWN_COLOURS.map((c) => `common:colour.${c}`),
      ...BRING_KEYS,
      ...REPRESENTATIVE_KEYS,
      ...[0, 1, 2, 3, 4, 5, 6].map((d) => `common:weekday.${d}`),
    ];
    for (const lng of LOCALES) {
      for (const key of keys) {
        const [ns, path] = key.split(':') as [string, string];
        expect(flat(lng, ns).has(path), `${lng} lacks ${key}`).toBe(true);
      }
    }
  });

  it('falls back from a channel variant to the plain key', () => {
    // main.prompt has no _voice / _text variant; identify.driverNo has a _text one.
    expect(render({ key: 'flow:main.prompt' }, 'en', 'voice')).toBe('Main menu.');
    expect(render({ key: 'flow:identify.driverNo' }, 'en', 'voice')).toMatch(/press hash/);
    expect(render({ key: 'flow:identify.driverNo' }, 'en', 'text')).not.toMatch(/press/);
  });
});
