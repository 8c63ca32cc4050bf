// `npm run bench:<name> -- [flags]`: builds bench/<name>.ts as production code is built (esbuild,
// scripts/build.mjs) and runs it. Not through tsx: tsx keeps function names by wrapping every
// closure as it is made (esbuild's keepNames), which production code does not pay and a hot
// path measured under tsx does (a few percent of a voice turn).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildOptions } from './build.mjs';

const name = process.argv[2];
if (!name || !/^[a-z-]+$/.test(name)) {
  console.error('usage: node scripts/bench.mjs <name> [flags]   (runs bench/<name>.ts)');
  process.exit(2);
}
// Beside its source, so the files it names relative to itself (autocannon's request setup, workers) are found.
const out = fileURLToPath(new URL(`../bench/.${name}.bundle.mjs`, import.meta.url));
await build({ ...buildOptions, entryPoints: [`bench/${name}.ts`], outfile: out });
process.on('exit', () => {
  rmSync(out, { force: true });
  rmSync(out + '.map', { force: true });
});
await import(pathToFileURL(out).href);
