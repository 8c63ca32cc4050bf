// `npm start`: rebuilds dist/ when any source is newer than the last build, then serves.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildAll } from './build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'main.js');

const newest = (dir) => {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
};

const stale = !existsSync(out) ||
  Math.max(newest(join(root, 'src')), statSync(join(root, 'package.json')).mtimeMs) > statSync(out).mtimeMs;
if (stale) await buildAll();
await import(pathToFileURL(out).href);
