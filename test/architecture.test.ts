/**
 * The layout's rules (DESIGN.md, "Shape"), checked on the source: core, flows and channels use
 * Web-standard APIs only, so the same app can run on Cloudflare Workers; Node-only code lives in
 * src/node and the composition roots (src/runtime.ts, src/main.ts, scripts).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)].map(
    (m) => m[1] ?? m[2] ?? m[3]!,
  );
}

describe('architecture', () => {
  it.each(['core', 'flows', 'channels'])('nothing in src/%s imports a node: module', (folder) => {
    const files = sources(join(src, folder));
    expect(files.length).toBeGreaterThan(5);
    const offenders = files.flatMap((f) => imports(f).filter((m) => m.startsWith('node:') || m === 'fs' || m === 'crypto' || m === 'http' || m === 'https').map((m) => `${relative(src, f)}: ${m}`));
    expect(offenders).toEqual([]);
  });

  it('nothing in src/core, src/flows or src/channels reaches into src/node', () => {
    const files = ['core', 'flows', 'channels'].flatMap((d) => sources(join(src, d)));
    const offenders = files.flatMap((f) => imports(f).filter((m) => /(^|\/)node\//.test(m)).map((m) => `${relative(src, f)}: ${m}`));
    expect(offenders).toEqual([]);
  });

  it('sees an import when there is one (the check itself can fail)', () => {
    expect(imports(fileURLToPath(new URL('../src/node/twilio-transport.ts', import.meta.url)))).toContain('node:http');
    expect(imports(fileURLToPath(import.meta.url))).toContain('node:fs');
  });
});
