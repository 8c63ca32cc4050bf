// Bundles src/main.ts (and the other Node entry points) into dist/ with esbuild; npm packages stay external.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function buildAll() {
  await build({
    absWorkingDir: root,
    entryPoints: { main: 'src/main.ts' },
    outdir: 'dist',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
    jsx: 'automatic',
    jsxImportSource: 'hono/jsx',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  await buildAll();
  console.log(`built dist/ in ${Date.now() - t0} ms`);
}
