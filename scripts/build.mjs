// Bundles src/main.ts (and the other Node entry points) into dist/ with esbuild; npm packages stay external.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** How production code is built: the benchmarks build the same way, to measure what runs. */
export const buildOptions = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  jsx: 'automatic',
  jsxImportSource: 'hono/jsx',
};

export async function buildAll() {
  await build({ ...buildOptions, entryPoints: { main: 'src/main.ts' }, outdir: 'dist' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  await buildAll();
  console.log(`built dist/ in ${Date.now() - t0} ms`);
}
